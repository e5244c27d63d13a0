"""Keyless clients and credential rotation over real HTTP: registration, the embedded issuer, the API.

Registration reaches the embedded server's Okta Apps API (and RFC 7591/7592) over HTTP, as it
reaches Okta; the client then authenticates with `private_key_jwt` and calls the API.
"""

import json
import logging
import threading
from io import StringIO

import pytest
import requests
from django.core.management import CommandError, call_command

from registration.models import RegisteredClient
from tests.support.assertions import ASSERTION_TYPE, make_assertion, private_jwk, public_jwk, rsa_private_key

from .test_registration_flow import embedded, staff_session  # noqa: F401 (a fixture)

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def key():
    return rsa_private_key()


@pytest.fixture(scope="module")
def next_key():
    return rsa_private_key()


def assertion_token(base: str, key, client_id: str, kid: str = "key-1") -> requests.Response:
    token_url = f"{base}/oauth2/default/v1/token"
    return requests.post(
        token_url,
        data={
            "grant_type": "client_credentials",
            "scope": "hello:read",
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": make_assertion(key, client_id, kid=kid, audience=token_url),
        },
        timeout=10,
    )


def secret_token(base: str, client_id: str, secret: str) -> requests.Response:
    return requests.post(
        f"{base}/oauth2/default/v1/token",
        data={"grant_type": "client_credentials", "scope": "hello:read"},
        auth=(client_id, secret),
        timeout=10,
    )


def register(session: requests.Session, base: str, **body) -> requests.Response:
    return session.post(f"{base}/register/", json={"label": "Keyless", "scopes": ["hello:read"], **body}, timeout=10)


@pytest.mark.parametrize("provider", ["default", "dynamic"])
def test_register_keyless_then_call_the_api_and_rotate_the_key(embedded, settings, key, next_key, provider):  # noqa: F811
    settings.REGISTRATION = {**settings.REGISTRATION, "PROVIDER": provider}
    session = staff_session(embedded)
    response = register(session, embedded, jwks={"keys": [public_jwk(key, "key-1", "RS256")]})
    assert response.status_code == 201, response.text
    body = response.json()
    assert "client_secret" not in body
    assert body["token_endpoint_auth_method"] == "private_key_jwt" and body["key_ids"] == ["key-1"]
    client_id = body["client_id"]
    row = RegisteredClient.objects.get(client_id=client_id)
    assert row.auth_method == "private_key_jwt" and row.key_ids == ["key-1"]

    token = assertion_token(embedded, key, client_id)
    assert token.status_code == 200, token.text
    hello = requests.get(
        f"{embedded}/", headers={"Authorization": f"Bearer {token.json()['access_token']}"}, timeout=10
    )
    assert hello.status_code == 200 and "Hello" in hello.text

    # Key rotation without downtime: add the next key, both work, retire the old one.
    keys_url = f"{embedded}/clients/{client_id}/keys/"
    added = session.post(keys_url, json={"jwk": public_jwk(next_key, "key-2", "RS256")}, timeout=10)
    assert added.status_code == 201, added.text
    assert assertion_token(embedded, key, client_id).status_code == 200
    assert assertion_token(embedded, next_key, client_id, "key-2").status_code == 200
    old_id = next(k["id"] for k in session.get(keys_url, timeout=10).json() if k["kid"] == "key-1")
    assert session.delete(f"{keys_url}{old_id}/", timeout=10).status_code == 204
    assert assertion_token(embedded, key, client_id).status_code == 401
    assert assertion_token(embedded, next_key, client_id, "key-2").status_code == 200
    row.refresh_from_db()
    assert row.key_ids == ["key-2"]
    # The last key cannot be retired: the client would be locked out.
    last_id = session.get(keys_url, timeout=10).json()[0]["id"]
    assert session.delete(f"{keys_url}{last_id}/", timeout=10).status_code == 400


def test_a_private_key_is_refused_and_goes_nowhere(embedded, key, caplog):  # noqa: F811
    caplog.set_level(logging.DEBUG)
    leaked = private_jwk(key, "key-1")
    response = register(staff_session(embedded), embedded, jwks=leaked)
    assert response.status_code == 400, response.text
    assert "private key" in response.json()["error_description"]
    assert leaked["d"] not in response.text
    assert not RegisteredClient.objects.exists()
    assert leaked["d"] not in caplog.text and leaked["p"] not in caplog.text


def test_secret_rotation_under_concurrent_token_requests(embedded):  # noqa: F811
    session = staff_session(embedded)
    created = register(session, embedded).json()
    client_id, first = created["client_id"], created["client_secret"]
    current = {"secret": first}
    failures, successes, stop = [], [], threading.Event()

    def caller():
        while not stop.is_set():
            secret = current["secret"]
            response = secret_token(embedded, client_id, secret)
            (successes if response.status_code == 200 else failures).append((secret == first, response.status_code))

    threads = [threading.Thread(target=caller) for _ in range(3)]
    for thread in threads:
        thread.start()
    try:
        secrets_url = f"{embedded}/clients/{client_id}/secrets/"
        new = session.post(secrets_url, timeout=10)
        assert new.status_code == 201, new.text
        assert new.headers["Cache-Control"] == "no-store"
        current["secret"] = new.json()["client_secret"]  # callers switch to the new secret
        old_id = next(s["id"] for s in session.get(secrets_url, timeout=10).json() if s["id"] != new.json()["id"])
        assert session.post(f"{secrets_url}{old_id}/deactivate/", timeout=10).status_code == 200
        assert session.delete(f"{secrets_url}{old_id}/", timeout=10).status_code == 204
        stop.wait(1.0)  # more requests with the new secret only
    finally:
        stop.set()
        for thread in threads:
            thread.join(30)
    assert successes and not failures, failures[:5]
    assert secret_token(embedded, client_id, first).status_code == 401
    listed = session.get(f"{embedded}/clients/{client_id}/secrets/", timeout=10).json()
    assert len(listed) == 1 and "client_secret" not in json.dumps(listed)


def run(*args) -> dict:
    out = StringIO()
    call_command(*args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_commands_register_keyless_and_rotate(embedded, key, next_key, tmp_path):  # noqa: F811
    public = tmp_path / "public.jwk"
    public.write_text(json.dumps(public_jwk(key, "key-1")))
    body = run("register_client", "Keyless CLI", "--scope", "hello:read", "--public-key", str(public))
    assert body["key_ids"] == ["key-1"] and "client_secret" not in body
    client_id = body["client_id"]
    assert assertion_token(embedded, key, client_id).status_code == 200

    public.write_text(json.dumps(public_jwk(next_key, "key-2")))
    assert run("client_credentials", client_id, "keys", "--add", str(public))["kid"] == "key-2"
    old = next(k["id"] for k in run("client_credentials", client_id, "keys") if k["kid"] == "key-1")
    run("client_credentials", client_id, "keys", "--retire", old)
    assert [k["kid"] for k in run("client_credentials", client_id, "keys")] == ["key-2"]
    assert assertion_token(embedded, next_key, client_id, "key-2").status_code == 200

    leaked = tmp_path / "private.jwk"
    leaked.write_text(json.dumps(private_jwk(key, "key-9")))
    with pytest.raises(CommandError, match="private key"):
        call_command("client_credentials", client_id, "keys", "--add", str(leaked), stdout=StringIO())


def test_command_and_admin_action_rotate_a_secret(embedded, client, django_user_model):  # noqa: F811
    body = run("register_client", "Secret CLI", "--scope", "hello:read")
    client_id, first = body["client_id"], body["client_secret"]
    second = run("client_credentials", client_id, "secrets", "--create")["client_secret"]
    assert secret_token(embedded, client_id, first).status_code == 200
    assert secret_token(embedded, client_id, second).status_code == 200

    client.force_login(django_user_model.objects.get(username="ops"))
    row = RegisteredClient.objects.get(client_id=client_id)
    response = client.post(
        "/admin/registration/registeredclient/",
        {"action": "finish_secret_rotation", "_selected_action": [row.pk]},
        follow=True,
    )
    assert "left with their newest secret only" in response.content.decode()
    assert secret_token(embedded, client_id, first).status_code == 401
    assert secret_token(embedded, client_id, second).status_code == 200
    assert len(run("client_credentials", client_id, "secrets")) == 1
