"""The commands as a person runs them: real processes, exit codes, one-line errors, --help."""

import json
import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from django.conf import settings

from authserver.service_clients import create_service_client

pytestmark = pytest.mark.e2e

MANAGE = str(Path(settings.BASE_DIR) / "manage.py")
SECRET = "cli-process-secret-" + "q" * 40


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run `manage.py` with no .env and only the given settings."""
    environment = {
        **{key: value for key, value in os.environ.items() if key not in ("TEST_CLIENT_ID", "TEST_CLIENT_SECRET")},
        "ENV_FILE": os.devnull,
        "PYTHONWARNINGS": "ignore",
        **env,
    }
    return subprocess.run(
        [sys.executable, MANAGE, *args], capture_output=True, text=True, env=environment, timeout=60, check=False
    )


def test_missing_credentials_exit_3_with_one_line_naming_the_settings():
    result = manage("get_token")
    assert result.returncode == 3
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("get_token: error: No client credentials")
    assert "TEST_CLIENT_ID and TEST_CLIENT_SECRET" in lines[0]


def test_json_failure_is_a_json_document_on_stdout():
    result = manage("call_api", "--json")
    assert result.returncode == 3
    assert json.loads(result.stdout)["error"] == "configuration_error"


def test_unreachable_issuer_exit_4():
    # Port 9 on loopback (discard) is closed on this machine: the connection is refused at once.
    result = manage("get_token", ISSUER="http://127.0.0.1:9/oauth2/default", TEST_CLIENT_ID="a", TEST_CLIENT_SECRET="b")
    assert result.returncode == 4, result.stderr
    assert "check ISSUER" in result.stderr


def test_wrong_usage_exit_2():
    result = manage("get_token", "--no-such-flag")
    assert result.returncode == 2
    assert "unrecognized arguments" in result.stderr


@pytest.mark.parametrize("name", ["call_api", "get_token"])
def test_help(name):
    result = manage(name, "--help")
    assert result.returncode == 0
    assert "TEST_CLIENT_ID" in result.stdout
    assert "--json" in result.stdout
    assert "Exit status:" in result.stdout


def test_get_token_and_call_api_against_the_live_server(live_server, settings):
    issuer = f"{live_server.url}/oauth2/default"
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": issuer}
    create_service_client(
        label="CLI Client",
        scopes=["hello:read"],
        client_id="cli-client",
        secret=SECRET,
    )[0]
    env = {"ISSUER": issuer, "TEST_CLIENT_ID": "cli-client", "TEST_CLIENT_SECRET": SECRET}
    token = manage("get_token", **env)
    assert token.returncode == 0, token.stderr
    assert token.stdout.count(".") == 2
    assert SECRET not in token.stdout + token.stderr
    hello = manage("call_api", "--url", live_server.url + "/", **env)
    assert hello.returncode == 0, hello.stderr
    assert hello.stdout == "Hello World!\n"
    wrong = "not-the-secret-" + "w" * 20
    refused = manage("call_api", "--url", live_server.url + "/", **{**env, "TEST_CLIENT_SECRET": wrong})
    assert refused.returncode == 1
    assert refused.stderr.strip().startswith(
        f"call_api: error: The token request to {issuer}/v1/token failed: invalid_client"
    )
    assert wrong not in refused.stderr + refused.stdout


def test_a_token_endpoint_that_is_not_there_names_the_url_and_the_settings(live_server):
    # The server exists but its token endpoint is elsewhere (oidc-provider's is {ISSUER}/token).
    issuer = f"{live_server.url}/elsewhere"
    result = manage("get_token", ISSUER=issuer, ORG_URL=live_server.url, TEST_CLIENT_ID="a", TEST_CLIENT_SECRET="b")
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"get_token: error: The token request to {issuer}/v1/token failed: HTTP 404;")
    assert "check ISSUER and TOKEN_ENDPOINT" in lines[0]


class RecordingTokenEndpoint(BaseHTTPRequestHandler):
    """A token endpoint that keeps every form it receives and answers with a fixed token."""

    forms: list[dict] = []

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"])).decode()
        self.forms.append(parse_qs(body))
        answer = json.dumps({"access_token": "recorded.token.value", "token_type": "Bearer"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


def test_audience_and_resource_reach_the_token_endpoint():
    server = ThreadingHTTPServer(("127.0.0.1", 0), RecordingTokenEndpoint)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    RecordingTokenEndpoint.forms = []
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/token"
        env = {"TOKEN_ENDPOINT": url, "TEST_CLIENT_ID": "a", "TEST_CLIENT_SECRET": "b"}
        from_settings = manage(
            "get_token",
            **env,
            TOKEN_AUDIENCE="https://api.example.com",
            TOKEN_RESOURCE="https://api.example.com/,urn:x",
        )
        assert from_settings.returncode == 0, from_settings.stderr
        assert from_settings.stdout == "recorded.token.value\n"
        from_flags = manage("get_token", "--audience", "aud", "--resource", "urn:one", "--resource", "urn:two", **env)
        assert from_flags.returncode == 0, from_flags.stderr
    finally:
        server.shutdown()
        server.server_close()
    first, second = RecordingTokenEndpoint.forms
    assert first["grant_type"] == ["client_credentials"]
    assert first["audience"] == ["https://api.example.com"]
    assert first["resource"] == ["https://api.example.com/", "urn:x"]
    assert second["audience"] == ["aud"]
    assert second["resource"] == ["urn:one", "urn:two"]


def test_call_api_says_to_restart_a_server_that_trusts_the_old_issuer(live_server, settings):
    # .env now names this server's issuer, but the running API still trusts the one it started with.
    issuer = f"{live_server.url}/oauth2/default"
    started_with = "https://idp.example.test/oauth2/default"
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": started_with, "RESOURCE": live_server.url}
    create_service_client(label="CLI Client", scopes=["hello:read"], client_id="cli-restart", secret=SECRET)
    env = {"ISSUER": issuer, "ORG_URL": live_server.url, "TEST_CLIENT_ID": "cli-restart", "TEST_CLIENT_SECRET": SECRET}
    refused = manage("call_api", "--url", live_server.url + "/", **env)
    assert refused.returncode == 1
    lines = refused.stderr.strip().splitlines()
    assert len(lines) == 1, refused.stderr
    assert f"the running API trusts tokens from {started_with}, but ISSUER is {issuer}" in lines[0]
    assert "restart it after editing .env" in lines[0]
