"""The live server outlives every client connection to it (root conftest's `live_server`)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.e2e


def test_a_leaked_client_connection_closes_while_the_live_server_still_runs(tmp_path):
    case = ROOT / "tests" / "support" / "leaky_client_case.py"
    # SQLite, whatever this run uses: only its in-memory test database is shared with the live
    # server's threads (and a second PostgreSQL test database would collide with this run's).
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}", "CACHE_URL": "locmemcache://"}
    completed = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly", str(case)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode == 0, output
    assert "1 passed" in output, output
    # Without the guard the server's request thread fails closing the shared SQLite connection.
    assert "PytestUnhandledThreadExceptionWarning" not in output, output
