"""Fixtures of the benchmark tests."""

import os
import shutil

import pytest


@pytest.fixture
def wrk() -> str:
    """wrk's path; skips without it, and fails under CI=true, which installs it."""
    path = shutil.which("wrk")
    if path is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("wrk is not installed (required here: CI=true; .ci/run installs it)", pytrace=False)
        pytest.skip("wrk is not installed (apt-get install wrk)")
    return path
