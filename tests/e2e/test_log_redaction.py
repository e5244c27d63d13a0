"""Tokens and secrets sent in a URL never reach the logs: gunicorn's access log and runserver's, read back."""

import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.support.deployment import ROOT, Deployment, free_port

pytestmark = pytest.mark.e2e

SECRETS = {
    name: f"leaked-{name.replace('_', '-')}-value"
    for name in ("access_token", "client_secret", "client_assertion", "token", "code")
}
# What each request of `send_credentials_in_urls` leaves in a request log, whatever the redaction.
REQUEST_LINES = ("/?access_token=", "/oauth2/default/v1/token?", "/oauth2/default/v1/introspect?")


def send_credentials_in_urls(base: str) -> None:
    """Requests a careless or hostile client sends: every secret parameter in a query string."""
    assert requests.get(f"{base}/?access_token={SECRETS['access_token']}", timeout=30).status_code == 400
    response = requests.post(
        f"{base}/oauth2/default/v1/token?client_secret={SECRETS['client_secret']}&code={SECRETS['code']}",
        data={"grant_type": "client_credentials"},
        timeout=30,
    )
    assert response.status_code in (400, 401)
    query = f"client_assertion={SECRETS['client_assertion']}&token={SECRETS['token']}&scope=hello%3Aread"
    requests.post(f"{base}/oauth2/default/v1/introspect?{query}", timeout=30)


def assert_redacted(log: str) -> None:
    for value in SECRETS.values():
        assert value not in log
    for name in SECRETS:
        assert f"{name}=[redacted]" in log
    assert "scope=hello%3Aread" in log  # other parameters are kept
    assert log.count("[redacted]") == len(SECRETS)


def wait_for_requests(path: Path, timeout: float = 60) -> str:
    """The log once it holds a line for every request sent (or at the deadline).

    A server logs a request only after answering it, each on its own thread: the client may have
    its last answer while the line of an earlier request is still unwritten. So every line is
    waited for, not only the last request's.
    """
    deadline = time.monotonic() + timeout
    while True:
        log = path.read_text()
        if all(line in log for line in REQUEST_LINES) or time.monotonic() > deadline:
            return log
        time.sleep(0.1)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    deployment = Deployment(Path(tmp_path_factory.mktemp("logs")), workers=1, threads=2)
    deployment.prepare()
    return deployment


def test_gunicorns_access_log_holds_no_secret_from_a_query(deployment):
    access_log = deployment.dir / "access.log"
    deployment.extra_env = {"GUNICORN_ACCESSLOG": str(access_log)}
    try:
        deployment.start()
        send_credentials_in_urls(deployment.base)
        wait_for_requests(access_log)
    finally:
        deployment.stop()
    log = access_log.read_text()
    assert '"GET /?access_token=[redacted] HTTP/1.1" 400' in log
    assert_redacted(log)
    assert not any(value in deployment.log.read_text() for value in SECRETS.values())


def test_runservers_request_log_holds_no_secret_from_a_query(deployment):
    port = free_port()
    output = deployment.dir / "runserver.log"
    with output.open("w") as log_file:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env={**deployment.environment(production=False), "LOG_LEVEL": "INFO"},
            stdout=log_file,
            stderr=subprocess.STDOUT,
        )
    try:
        # Its first request loads the URLconf and every view, which takes a loaded host more than a
        # second or two: a slow answer is waited for, only a refused connection is tried again.
        deadline = time.monotonic() + 120
        while True:
            try:
                requests.get(f"http://127.0.0.1:{port}/", timeout=60)
                break
            except requests.ConnectionError:
                assert time.monotonic() < deadline and server.poll() is None, "runserver did not start"
                time.sleep(0.2)
        send_credentials_in_urls(f"http://127.0.0.1:{port}")
        log = wait_for_requests(output)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert '"GET /?access_token=[redacted] HTTP/1.1" 400' in log
    assert_redacted(log)
