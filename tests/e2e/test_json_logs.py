"""LOG_FORMAT=json over real HTTP: gunicorn's and runserver's logs are JSON lines carrying each request's id."""

import json
import time
from pathlib import Path

import pytest
import requests

from tests.support.deployment import Deployment, runserver

pytestmark = pytest.mark.e2e

SECRET = "leaked-json-log-secret"
HOSTILE = "spoofed id with spaces"


def wait_for(path: Path, markers, timeout: float = 60) -> str:
    """The file once it holds every marker: a server logs a request only after answering it, and
    with several threads an earlier request's line may come after a later one's."""
    deadline = time.monotonic() + timeout
    while True:
        text = path.read_text() if path.exists() else ""
        if all(marker in text for marker in markers):
            return text
        assert time.monotonic() < deadline, f"{markers!r} never all reached {path.name}: {text[-2000:]}"
        time.sleep(0.1)


def json_lines(text: str) -> list[dict]:
    """Every line of `text` as JSON (a line that is not JSON fails the test, naming it)."""
    entries = []
    for line in text.splitlines():
        try:
            entries.append(json.loads(line))
        except ValueError:
            pytest.fail(f"not a JSON line: {line!r}")
    assert entries
    return entries


def traced_requests(base: str) -> dict[str, requests.Response]:
    """A request without an id, one with a trusted id (and a token in its URL), one with a malformed id."""
    return {
        "generated": requests.get(f"{base}/livez", timeout=30),
        "trusted": requests.get(f"{base}/?access_token={SECRET}", headers={"X-Request-ID": "edge-42"}, timeout=30),
        "malformed": requests.get(f"{base}/livez", headers={"X-Request-ID": HOSTILE}, timeout=30),
    }


def assert_ids(responses: dict[str, requests.Response]) -> dict[str, str]:
    ids = {name: response.headers["X-Request-ID"] for name, response in responses.items()}
    assert ids["trusted"] == "edge-42"
    assert len(ids["generated"]) == len(ids["malformed"]) == 32 and ids["generated"] != ids["malformed"]
    assert responses["trusted"].status_code == 400
    return ids


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    deployment = Deployment(Path(tmp_path_factory.mktemp("json-logs")), workers=1, threads=2)
    deployment.prepare()
    deployment.extra_env = {"LOG_FORMAT": "json", "REQUEST_ID_HEADER_TRUSTED": "true", "LOG_LEVEL": "INFO"}
    return deployment


def test_gunicorns_logs_are_json_lines_with_each_requests_id(deployment):
    access_log = deployment.dir / "access.log"
    deployment.extra_env["GUNICORN_ACCESSLOG"] = str(access_log)
    try:
        deployment.start()
        ids = assert_ids(traced_requests(deployment.base))
        wait_for(access_log, ids.values())
    finally:
        deployment.stop()
    access = json_lines(access_log.read_text())
    by_id = {entry["request_id"]: entry for entry in access}
    assert '"GET /livez HTTP/1.1" 200' in by_id[ids["generated"]]["message"]
    assert '"GET /?access_token=[redacted] HTTP/1.1" 400' in by_id["edge-42"]["message"]
    assert by_id[ids["malformed"]]["logger"] == "gunicorn.access"
    # Django's own records and gunicorn's error log share the process's output, one JSON object a line.
    server = json_lines(deployment.log.read_text())
    assert any(entry["logger"] == "gunicorn.error" and entry["request_id"] == "-" for entry in server)
    [bad_request] = [entry for entry in server if entry["logger"] == "django.request"]
    assert bad_request["message"] == "Bad Request: /"
    assert bad_request["request_id"] == "edge-42"
    for text in (access_log.read_text(), deployment.log.read_text()):
        assert SECRET not in text and HOSTILE not in text


def test_runservers_request_lines_are_json_with_each_requests_id(deployment):
    output, logs = deployment.dir / "runserver.out", deployment.dir / "runserver.log"
    with runserver({**deployment.environment(production=False), **deployment.extra_env}, output, logs) as base:
        ids = assert_ids(traced_requests(base))
        wait_for(logs, ids.values())
    entries = json_lines(logs.read_text())
    lines = {entry["request_id"]: entry for entry in entries if entry["logger"] == "django.server"}
    assert lines[ids["generated"]]["message"].startswith('"GET /livez HTTP/1.1" 200')
    assert lines["edge-42"]["message"].startswith('"GET /?access_token=[redacted] HTTP/1.1" 400')
    assert lines[ids["malformed"]]["level"] == "INFO"
    assert SECRET not in logs.read_text() and HOSTILE not in logs.read_text()
