"""The micro benchmark runs end to end in quick mode and prints its ratio lines (behaviour, not timing)."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_micro_quick_prints_its_ratios():
    env = {key: value for key, value in os.environ.items() if key not in ("DJANGO_SETTINGS_MODULE",)}
    completed = subprocess.run(
        [sys.executable, "-m", "bench.micro", "--quick", "--calls", "20"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
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
