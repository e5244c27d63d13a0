"""The production deployment for real: gunicorn with deploy/gunicorn.conf.py, in production mode."""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.support.deployment import ROOT, Deployment

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def smallest(tmp_path_factory):
    """One worker with two threads: the least that must never deadlock on the embedded issuer."""
    deployment = Deployment(Path(tmp_path_factory.mktemp("gunicorn")), workers=1, threads=2)
    deployment.prepare()
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()


def test_one_worker_fetches_the_embedded_issuers_keys_from_itself(smallest):
    """The API's first request fetches the keys over HTTP from this same single-worker server."""
    token = requests.post(
        f"{smallest.issuer}/v1/token",
        data={"grant_type": "client_credentials", "scope": "hello:read"},
        auth=(smallest.credentials["TEST_CLIENT_ID"], smallest.credentials["TEST_CLIENT_SECRET"]),
        timeout=30,
    ).json()["access_token"]
    response = requests.get(smallest.base + "/", headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert response.status_code == 200
    assert response.json() == "Hello World!"


def test_production_headers_behind_a_tls_proxy(smallest):
    # gunicorn trusts X-Forwarded-Proto from loopback (forwarded_allow_ips), as from the balancer.
    response = requests.get(smallest.base + "/", headers={"X-Forwarded-Proto": "https"}, timeout=30)
    assert response.status_code == 401
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
    assert "Server" not in response.headers or "Django" not in response.headers["Server"]


def test_the_admin_is_not_for_bearer_tokens_or_strangers(smallest):
    response = requests.get(smallest.base + "/admin/", allow_redirects=False, timeout=30)
    assert response.status_code == 302
    assert "/admin/login/" in response.headers["Location"]


def test_the_config_refuses_a_single_thread():
    env = {**os.environ, "GUNICORN_THREADS": "1"}
    code = "import runpy; runpy.run_path('deploy/gunicorn.conf.py')"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert "GUNICORN_THREADS must be at least 2" in result.stderr


def test_the_production_config_parses_with_gunicorns_c_parser_when_installed():
    """`deploy/requirements.txt` brings gunicorn-h1c; the config lets gunicorn pick it (`auto`)."""
    from gunicorn.config import Config
    from gunicorn.http import message

    config = Config()
    for name, value in runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py")).items():
        if name in config.settings:
            config.set(name, value)
    assert config.http_parser == "auto"
    try:
        import gunicorn_h1c  # noqa: F401
    except ImportError:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail("gunicorn-h1c must be installed in CI (.ci/run installs deploy/requirements.txt)")
        pytest.skip("gunicorn-h1c is not installed: pip install -r deploy/requirements.txt")
    assert message._check_fast_parser(config) is True


@pytest.mark.parametrize(("length", "description"), [(8192, "malformed"), (8193, "too large")])
def test_tokens_around_the_size_cap_reach_the_api(smallest, length, description):
    """gunicorn's header limit fits the API's 8 KiB token cap: the API answers, not gunicorn (431)."""
    header = "Bearer " + "a" * length  # not JWTs: refused by the API, for what they are
    response = requests.get(smallest.base + "/", headers={"Authorization": header}, timeout=30)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert description in response.json()["error_description"]
