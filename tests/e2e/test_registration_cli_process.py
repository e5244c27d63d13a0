"""register_client, sync_clients and the key-rotation commands as real processes against a live provider."""

import json
import subprocess

import pytest

from authserver.models import AdminApiToken, Client

from .test_cli_process import manage

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def cli_database(tmp_path_factory) -> str:
    """The commands' own migrated SQLite database (the provider is the live server's)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('cli') / 'cli.sqlite3'}"
    for command in (("migrate", "--no-input", "-v", "0"), ("createcachetable",)):
        done = manage(*command, DATABASE_URL=url)
        assert done.returncode == 0, done.stderr
    return url


@pytest.fixture
def provider(live_server, cli_database) -> dict[str, str]:
    token = AdminApiToken.issue("cli-e2e")[1]
    return {
        "DATABASE_URL": cli_database,
        "ORG_URL": live_server.url,
        "TOKEN": token,
        "ISSUER": f"{live_server.url}/oauth2/default",
    }


def one_error_line(result: subprocess.CompletedProcess, command: str) -> str:
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"{command}: error: ")
    return lines[0]


def test_register_client_prints_the_secret_once_and_never_logs_it(provider):
    result = manage("register_client", "CLI Process App", "--scope", "hello:read", "--json", "-v", "2", **provider)
    assert result.returncode == 0, result.stderr
    body = json.loads(result.stdout)
    assert body["label"] == "CLI Process App" and body["scopes"] == ["hello:read"]
    assert Client.objects.get(client_id=body["client_id"]).name == "CLI Process App"
    # -v 2 shows every log record: none carries the secret or the API token.
    assert body["client_secret"] not in result.stderr
    assert provider["TOKEN"] not in result.stdout + result.stderr

    check = manage("sync_clients", "--check", "--json", **provider)
    assert json.loads(check.stdout)["provider"] == "default", check.stderr
    # The bootstrap-less live server holds only this client, which the database records: no drift.
    assert check.returncode == 0, check.stdout + check.stderr


def test_rejected_token_exit_3_naming_token(provider):
    result = manage(
        "register_client", "App", "--scope", "hello:read", **{**provider, "TOKEN": "wrong-token-" + "x" * 30}
    )
    assert result.returncode == 3
    assert "check TOKEN" in one_error_line(result, "register_client")
    assert "wrong-token-" not in result.stderr


def test_unreachable_provider_exit_4(cli_database):
    env = {
        "DATABASE_URL": cli_database,
        "ORG_URL": "http://127.0.0.1:9",
        "TOKEN": "t",
    }
    result = manage("sync_clients", "--json", **env)
    assert result.returncode == 4, result.stderr
    assert "ORG_URL" in one_error_line(result, "sync_clients")
    assert json.loads(result.stdout)["error"] == "provider_error"


def test_usage_and_missing_database(tmp_path, provider):
    usage = manage("register_client", "App", "--scope", "hello:read", "--provider", "nope", **provider)
    assert usage.returncode == 2
    assert "REGISTRATION_PROVIDERS" in one_error_line(usage, "register_client")
    empty = {**provider, "DATABASE_URL": f"sqlite:///{tmp_path / 'empty.sqlite3'}"}
    unmigrated = manage("rotate_registration_keys", "--json", **empty)
    assert unmigrated.returncode == 4
    assert "DATABASE_URL" in one_error_line(unmigrated, "rotate_registration_keys")


def test_rotate_signing_key_json(cli_database):
    result = manage("rotate_signing_key", "--json", "--immediately", DATABASE_URL=cli_database)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["rotated"] is True


@pytest.mark.parametrize("name", ["register_client", "sync_clients", "rotate_registration_keys", "rotate_signing_key"])
def test_help(name):
    result = manage(name, "--help")
    assert result.returncode == 0
    assert "--json" in result.stdout and "Exit status:" in result.stdout
