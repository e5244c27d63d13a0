"""bench.dpop runs end to end in quick mode: its ratio line, and one shared-cache operation per DPoP request."""

import re

from .modules import run_bench


def test_dpop_quick_prints_its_ratio_and_round_trips():
    completed = run_bench("dpop", "--quick", "--calls", "20")
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    assert re.search(r"raw ES256 verify .*\d+\.\d µs", out)
    assert re.search(r"check_proof, a new proof .*\d+\.\d µs", out)
    assert re.search(r"^ratio check_proof / raw ES256 verify: \d+\.\d\d", out, re.M)
    # Replay protection is one atomic add per DPoP request; a bearer request asks the cache nothing.
    assert "shared-cache operations per DPoP request: 1 ['add']" in out
    assert "shared-cache operations per bearer request: 0 []" in out
