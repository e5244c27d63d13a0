"""The live server outlives every client connection to it (root conftest's `live_server`)."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def test_a_leaked_client_connection_closes_while_the_live_server_still_runs():
    case = ROOT / "tests" / "support" / "leaky_client_case.py"
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(case)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "1 passed" in output, output
    # Without the guard the server's request thread fails closing the shared SQLite connection.
    assert "PytestUnhandledThreadExceptionWarning" not in output, output
