"""The micro benchmark runs end to end in quick mode and prints its ratio lines (behaviour, not timing)."""

import re

from .modules import run_bench


def test_micro_quick_prints_its_ratios():
    completed = run_bench("micro", "--quick", "--calls", "20")
    assert completed.returncode == 0, completed.stderr
    out = completed.stdout
    for name in (
        "raw RSA-2048 verify",
        "PyJWT decode, key ready",
        "first-seen token",
        "repeated token",
        "verify, caches cold",
        "first-seen, caches cold",
    ):
        assert re.search(rf"{re.escape(name)}.*\d+\.\d µs", out), name
    assert re.search(r"^ratio first-seen / PyJWT decode: \d+\.\d\d", out, re.M)
    assert re.search(r"^ratio repeated / raw RSA verify: \d+\.\d\d", out, re.M)
    assert re.search(r"^ratio first-seen caches cold / first-seen: \d+\.\d\d", out, re.M)
