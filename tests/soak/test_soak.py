"""The quick soak (20 s on gunicorn) as part of the suite; `python -m tests.soak.soak` runs the long one."""

import pytest

from tests.soak.soak import run_soak

pytestmark = [pytest.mark.e2e, pytest.mark.soak]


def test_quick_soak_on_gunicorn():
    result = run_soak(20.0, concurrency=4, workers=2, threads=4)
    assert result.ok, "\n".join(result.failures)
    assert result.server_errors == 0
    assert result.registered > 0 and result.registered == result.listed
    assert result.worker_pids_stable
    assert result.by_kind["valid"].get(200, 0) > 0
