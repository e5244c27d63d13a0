"""The quick soak (20 s on gunicorn) as part of the suite; `python -m tests.soak.soak` runs the long one."""

import pytest

from tests.soak.soak import run_soak

pytestmark = [pytest.mark.e2e, pytest.mark.soak]


def test_quick_soak_on_gunicorn():
    result = run_soak(20.0, concurrency=4, workers=2, threads=4)
    assert result.ok, "\n".join(result.failures)
    assert result.server_errors == 0
    # Every 201 of POST /register/ is one active row and one app at the provider, nothing more.
    assert result.registered > 0 and result.registered == result.rows == result.provider_apps
    assert result.by_kind["register"] == {201: result.registered}
    assert result.by_kind["hostile_register"].get(400, 0) > 0
    assert result.by_kind["client_token"].get(200, 0) > 0  # the secrets returned work
    assert result.worker_pids_stable
    assert result.by_kind["valid"].get(200, 0) > 0
