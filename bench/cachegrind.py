"""Instructions counted by valgrind's cachegrind: a child process of N calls minus a child of none.

Shared by `bench.instructions` and `bench.dpop --instructions`. Both children of a comparison set
up and warm alike (`PYTHONHASHSEED=0`); only the counted calls differ, so the difference over N is
what one call executes, whatever the host's load.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

from .harness import ROOT


def instructions(stderr: str) -> int:
    """The `I refs` total of a cachegrind run's summary."""
    found = re.search(r"I\s+refs:\s+([\d,]+)", stderr)
    if found is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_call(counts: dict[str, int], calls: int) -> dict[str, float]:
    """Instructions per call of each kind: its run's count over the baseline's, divided by `calls`."""
    base = counts["none"]
    return {name: (count - base) / calls for name, count in counts.items() if name != "none"}


def count(module: str, kind: str, calls: int, key_file: Path) -> int:
    """The instructions of `python -m <module> --child <kind> --calls <calls> --key <key_file>` under cachegrind."""
    command = ["valgrind", "--tool=cachegrind", "--cache-sim=no", "--cachegrind-out-file=/dev/null"]
    command += [sys.executable, "-m", module, "--child", kind, "--calls", str(calls), "--key", str(key_file)]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return instructions(completed.stderr)
