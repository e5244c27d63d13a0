"""docs/providers.md's worked example, as written: its settings switch the commands to oidc-provider.

The example's `.env` lines (with this session's oidc-provider for `http://127.0.0.1:3000` and its
client secret for the placeholder) drive real `manage.py` processes: `check` is quiet,
`get_token` gets a token from the discovered `/token`, `call_api` reaches the live API trusting
oidc-provider, and `register_client` creates a client there whose token the API accepts.
"""

import json
import os
import subprocess
import sys

import pytest
import requests

from tests.support.checkout import ROOT, SCRUBBED, shell_blocks

from .conftest import HELLO_SCOPE, TIMEOUT

pytestmark = pytest.mark.interop

EXAMPLE_ISSUER = "http://127.0.0.1:3000"
PLACEHOLDER = "the-secret-printed-above"


def example_settings(oidc_provider) -> dict[str, str]:
    """The assignments of the example's `.env` block, pointed at this session's oidc-provider."""
    _, env_block = shell_blocks(ROOT / "docs" / "providers.md", "### Worked example: oidc-provider")
    values = {}
    for line in env_block.splitlines():
        if line and not line.startswith("#"):
            name, value = line.split("=", 1)
            values[name] = value.replace(EXAMPLE_ISSUER, oidc_provider.issuer).replace(
                PLACEHOLDER, oidc_provider.client_secret
            )
    return values


def base_environment(database_url: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in SCRUBBED}
    env.update({"ENV_FILE": os.devnull, "DATABASE_URL": database_url, "PYTHONWARNINGS": "ignore"})
    return env


def run_manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="module")
def database_url(tmp_path_factory) -> str:
    """One migrated SQLite database for the module's commands (they record registrations)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('switching') / 'db.sqlite3'}"
    migrated = run_manage(base_environment(url), "migrate", "--no-input")
    assert migrated.returncode == 0, migrated.stderr
    return url


@pytest.fixture
def manage(database_url, trust_oidc_provider, live_server):
    env = {
        **base_environment(database_url),
        "API_URL": live_server.url + "/",
        **example_settings(trust_oidc_provider),
    }
    return lambda *args, **extra: run_manage({**env, **extra}, *args)


def test_the_example_names_every_setting_the_checklist_asks_for(oidc_provider):
    settings = example_settings(oidc_provider)
    assert settings["ISSUER"] == oidc_provider.issuer == oidc_provider.metadata["issuer"]
    assert settings["REGISTRATION_ENDPOINT"] == oidc_provider.registration_endpoint
    assert settings["TEST_CLIENT_SECRET"] == oidc_provider.client_secret


def test_check_is_quiet_and_warns_without_the_registration_lines(manage):
    quiet = manage("check")
    assert quiet.returncode == 0, quiet.stderr
    assert "registration.W002" not in quiet.stdout + quiet.stderr
    # Without REGISTRATION_PROVIDER=dynamic, clients would still go to the embedded server.
    warned = manage("check", REGISTRATION_PROVIDER="default")
    assert "registration.W002" in warned.stdout + warned.stderr


def test_get_token_and_call_api_reach_the_api_through_oidc_provider(manage, trust_oidc_provider):
    token = manage("get_token", "--json")
    assert token.returncode == 0, token.stderr
    assert json.loads(token.stdout)["access_token"].count(".") == 2
    hello = manage("call_api", "-v", "2")
    assert hello.returncode == 0, hello.stderr
    assert hello.stdout == "Hello World!\n"
    # The token endpoint came from oidc-provider's metadata: no TOKEN_ENDPOINT in the example.
    assert f"Getting a token from {trust_oidc_provider.metadata['token_endpoint']}" in hello.stderr


def test_register_client_creates_a_client_at_oidc_provider(manage, trust_oidc_provider, live_server):
    result = manage("register_client", "Billing", "--scope", HELLO_SCOPE, "--json")
    assert result.returncode == 0, result.stderr
    registered = json.loads(result.stdout)
    assert registered["request_token_url"] == trust_oidc_provider.metadata["token_endpoint"]
    token = trust_oidc_provider.token(client_id=registered["client_id"], client_secret=registered["client_secret"])
    hello = requests.get(live_server.url + "/", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    assert hello.status_code == 200, hello.text
