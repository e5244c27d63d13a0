"""A newcomer's path, as the README and docs/registration.md tell it, on a port other than 8000.

`make run` in a fresh copy, every shell block of "Try it", of the registration quickstart and of the
embedded server's dynamic registration run as written, then the two moves that used to leave
`.env` wrong: another port, and another issuer.
"""

import json
import sqlite3

import pytest
import requests

from authserver.management.envfile import URL_LINES, url_values
from tests.support.checkout import ROOT, Checkout, shell_blocks
from tests.support.deployment import free_port, read_env_file

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def checkout(tmp_path_factory):
    copy = Checkout(tmp_path_factory.mktemp("newcomer"))
    port = free_port()
    while port == 8000:
        port = free_port()
    copy.first_output = copy.start(port)
    yield copy
    copy.stop()


def rows(copy: Checkout, sql: str) -> list[tuple]:
    with sqlite3.connect(copy.dir / "db.sqlite3") as db:
        return db.execute(sql).fetchall()


def test_make_run_writes_a_env_for_its_port(checkout):
    values = read_env_file(checkout.env_file)
    base = f"http://127.0.0.1:{checkout.port}"
    assert values["ISSUER"] == f"{base}/oauth2/default"
    assert values["API_URL"] == f"{base}/"
    assert values["ORG_URL"] == base
    assert {"TEST_CLIENT_ID", "TEST_CLIENT_SECRET", "TOKEN"} <= set(values)


def test_every_try_it_block_of_the_readme_runs_as_written(checkout):
    blocks = shell_blocks(ROOT / "README.md", "## Try it")
    assert len(blocks) >= 2
    for block in blocks:
        result = checkout.shell(block)
        assert result.returncode == 0, f"{block}\n{result.stdout}\n{result.stderr}"
        if "Hello World!" in block:
            assert "Hello World!" in result.stdout, f"{block}\n{result.stdout}\n{result.stderr}"
        if "401" in block:
            assert "HTTP/1.1 401" in result.stdout, result.stdout
            assert 'WWW-Authenticate: Bearer realm="api"' in result.stdout


def test_the_registration_quickstart_runs_as_written(checkout):
    (block,) = shell_blocks(ROOT / "docs" / "registration.md", "## Quickstart")
    result = checkout.shell(block)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    registered = json.loads(result.stdout)
    assert registered.get("label") == "Awesome App Name", registered
    assert registered["scopes"] == ["hello:read"]
    # The new client gets a token at the URL it was given, and the API takes it.
    token = requests.post(
        registered["request_token_url"],
        data={"grant_type": "client_credentials", "scope": "hello:read"},
        auth=(registered["client_id"], registered["client_secret"]),
        timeout=10,
    ).json()["access_token"]
    hello = requests.get(f"http://127.0.0.1:{checkout.port}/", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert hello.json() == "Hello World!"


def test_the_dynamic_registration_example_runs_as_written(checkout):
    (block,) = shell_blocks(ROOT / "docs" / "embedded-server.md", "## Dynamic client registration (RFC 7591, RFC 7592)")
    result = checkout.shell(block)
    assert result.returncode == 0, f"{result.stdout}\n{result.stderr}"
    registered = json.loads(result.stdout)
    assert registered["client_name"] == "Billing"
    assert registered["client_secret"] and registered["registration_access_token"]
    assert registered["registration_client_uri"].startswith(f"http://127.0.0.1:{checkout.port}/oauth2/v1/clients/")


def test_another_port_moves_bootstraps_urls_and_nothing_else(checkout):
    before = read_env_file(checkout.env_file)
    checkout.stop()
    new_port = free_port()
    output = checkout.start(new_port)
    after = read_env_file(checkout.env_file)
    base = f"http://127.0.0.1:{new_port}"
    assert {name: after[name] for name in URL_LINES} == url_values(base)
    assert {k: v for k, v in after.items() if k not in URL_LINES} == {
        k: v for k, v in before.items() if k not in URL_LINES
    }
    assert f"Updated ISSUER in {checkout.env_file}: {before['ISSUER']} -> {base}/oauth2/default." in output
    result = checkout.shell(".venv/bin/python manage.py call_api")
    assert result.stdout == "Hello World!\n", result.stderr


def test_another_issuer_gets_no_embedded_client_or_token(checkout):
    checkout.stop()
    clients, tokens = (
        rows(checkout, "SELECT count(*) FROM authserver_client"),
        rows(checkout, "SELECT count(*) FROM authserver_adminapitoken"),
    )
    user_lines = (
        "ISSUER=https://idp.example.test/oauth2/default\n"
        "TEST_CLIENT_ID=vendor-client\n"
        "TEST_CLIENT_SECRET=vendor-secret-value\n"
    )
    with checkout.env_file.open("a") as env:
        env.write("\n# Switching to another server.\n" + user_lines)
    before = checkout.env_file.read_text()
    result = checkout.make("bootstrap", f"PORT={checkout.port}")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "not this server: no embedded client or admin token created" in result.stdout
    assert checkout.env_file.read_text() == before
    assert rows(checkout, "SELECT count(*) FROM authserver_client") == clients
    assert rows(checkout, "SELECT count(*) FROM authserver_adminapitoken") == tokens
    values = read_env_file(checkout.env_file)
    assert values["TEST_CLIENT_ID"] == "vendor-client"
    # The registration provider is still the embedded server: `check` says so.
    check = checkout.shell(".venv/bin/python manage.py check")
    assert "registration.W002" in check.stderr + check.stdout
