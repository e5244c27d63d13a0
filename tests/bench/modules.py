"""Run a benchmark module as its users do: `python -m bench.<name>` from the repository root."""

import os
import subprocess
import sys

from bench.harness import ROOT


def run_bench(module: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    """`python -m bench.<module> args...`; the test run's Django settings are not passed on."""
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    return subprocess.run(
        [sys.executable, "-m", f"bench.{module}", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
