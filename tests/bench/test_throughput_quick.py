"""bench.throughput in quick mode (gunicorn, wrk, the embedded issuer): every variant answers, both multiples print."""

import re

from .modules import run_bench


def test_throughput_quick_runs_every_variant_without_errors(wrk):
    completed = run_bench("throughput", "--quick")
    assert completed.returncode == 0, completed.stderr[-3000:]
    out = completed.stdout
    for variant in ("unauthenticated (baseline)", "unauthenticated + one raw RS256 verify", "ours, one token"):
        # The harness fails the run on any error; each row still says 0.
        assert re.search(rf"^  {re.escape(variant)}\s+\d+\s+[\d.]+\s+[\d.]+\s+0\s", out, re.M), out
    hot_loop = r"^first-seen token: .* / raw RS256 verify in a hot loop \d+\.\d us = \d+\.\d\d verifies  \(reference"
    assert re.search(hot_loop, out, re.M), out
    in_server = r"^(first-seen token: .* / raw RS256 verify in the server \d+\.\d us = \d+\.\d\d verifies"
    in_server += r"  \(goal <= 3\.00\)"
    assert re.search(in_server + r"|raw RS256 verify in the server: .*not measurable in this run)", out, re.M), out
