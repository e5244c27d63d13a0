"""Keyless registration and credential rotation against Okta faked at the transport layer: bodies, faults."""

import json
from unittest import mock

import pytest
import requests
from django.db import DatabaseError

from registration.credentials import add_client_key, create_client_secret, list_client_secrets, retire_client_key
from registration.exceptions import DatabaseFailure, InvalidRegistration, InvalidState, ProviderTimeout
from registration.models import RegisteredClient
from registration.services import register_client
from tests.support.assertions import private_jwk, public_jwk, rsa_private_key

from .conftest import CSRF, ORG, okta_app, okta_error

APPS = f"{ORG}/api/v1/apps"


@pytest.fixture(scope="module")
def key():
    return rsa_private_key()


def keyless_app(app_id: str = "0oaapp1") -> dict:
    app = okta_app(app_id=app_id)
    app["credentials"]["oauthClient"]["token_endpoint_auth_method"] = "private_key_jwt"
    return app


def okta_key(key_id: str, kid: str, status: str = "ACTIVE") -> dict:
    return {"id": key_id, "kid": kid, "kty": "RSA", "e": "AQAB", "n": "abc", "status": status}


@pytest.fixture
def keyless_row(okta_http, key) -> RegisteredClient:
    okta_http.post(APPS, json=keyless_app())
    return register_client(label="Keyless", scopes=["hello:read"], jwks={"keys": [public_jwk(key, "k1")]}).client


def test_keyless_registration_sends_the_public_keys_and_expects_no_secret(keyless_row, okta_http, key):
    [create] = [call for call in okta_http.calls if call.request.method == "POST" and call.request.url.startswith(APPS)]
    body = json.loads(create.request.body)
    assert body["credentials"]["oauthClient"]["token_endpoint_auth_method"] == "private_key_jwt"
    [sent] = body["settings"]["oauthClient"]["jwks"]["keys"]
    assert sent["kid"] == "k1" and "d" not in sent and "key_ops" not in sent
    assert keyless_row.status == "active" and keyless_row.auth_method == "private_key_jwt"
    assert keyless_row.key_ids == ["k1"]


def test_a_private_key_never_reaches_the_provider_or_the_database(okta_http, key, caplog):
    leaked = private_jwk(key, "k1")
    with pytest.raises(InvalidRegistration, match="private key") as refused:
        register_client(label="Leaky", scopes=["hello:read"], jwks=leaked)
    assert leaked["d"] not in str(refused.value)
    assert not okta_http.calls and not RegisteredClient.objects.exists()
    assert leaked["d"] not in caplog.text


def test_a_keyless_client_has_no_secret_to_rotate(keyless_row):
    with pytest.raises(InvalidState, match="private_key_jwt"):
        create_client_secret(client=keyless_row)


def test_secret_create_timeout_says_one_may_exist(okta_http):
    okta_http.post(APPS, json=okta_app(secret="s" * 64))
    row = register_client(label="Secret", scopes=["hello:read"]).client
    okta_http.post(f"{APPS}/0oaapp1/credentials/secrets", body=requests.Timeout())
    with pytest.raises(ProviderTimeout, match="may have been created"):
        create_client_secret(client=row)


def test_secrets_are_listed_without_values(okta_http):
    okta_http.post(APPS, json=okta_app(secret="s" * 64))
    row = register_client(label="Secret", scopes=["hello:read"]).client
    okta_http.get(
        f"{APPS}/0oaapp1/credentials/secrets",
        json=[{"id": "ocs1", "status": "ACTIVE", "secret_hash": "h1", "client_secret": "leaky-value"}],
    )
    [secret] = list_client_secrets(client=row)
    assert (secret.id, secret.status, secret.fingerprint) == ("ocs1", "ACTIVE", "h1")


def test_a_key_the_database_cannot_record_is_removed_at_the_provider(keyless_row, okta_http, key):
    base = f"{APPS}/0oaapp1/credentials/jwks"
    okta_http.post(base, json=okta_key("pks2", "k2"), status=201)
    okta_http.get(base, json=[okta_key("pks1", "k1"), okta_key("pks2", "k2")])
    okta_http.post(f"{base}/pks2/lifecycle/deactivate", json=okta_key("pks2", "k2", "INACTIVE"))
    okta_http.delete(f"{base}/pks2", status=204)
    with (
        mock.patch.object(RegisteredClient, "save", side_effect=DatabaseError("disk full")),
        pytest.raises(DatabaseFailure),
    ):
        add_client_key(client=keyless_row, jwk=public_jwk(rsa_private_key(), "k2"))
    assert ("DELETE", f"{base}/pks2") in [(c.request.method, c.request.url) for c in okta_http.calls]
    keyless_row.refresh_from_db()
    assert keyless_row.key_ids == ["k1"]


def test_retiring_the_last_key_is_refused_by_the_provider_and_the_row_is_unchanged(keyless_row, okta_http):
    base = f"{APPS}/0oaapp1/credentials/jwks"
    okta_http.post(
        f"{base}/pks1/lifecycle/deactivate",
        status=400,
        json=okta_error(
            "E0000001", "Api validation failed: JsonWebKey", ["Can't deactivate the only active JSON Web Key"]
        ),
    )
    with pytest.raises(Exception, match="only active JSON Web Key"):
        retire_client_key(client=keyless_row, key_id="pks1")
    keyless_row.refresh_from_db()
    assert keyless_row.key_ids == ["k1"]


def test_the_browsable_form_takes_a_public_jwks_as_json_text(okta_http, staff_client, key):
    okta_http.post(APPS, json=keyless_app())
    form = {"label": "From the form", "scopes": "hello:read", "jwks": json.dumps({"keys": [public_jwk(key, "k1")]})}
    response = staff_client.post("/register/", form, format="multipart", HTTP_ACCEPT="application/json", **CSRF)
    assert response.status_code == 201, response.content
    assert response.json()["key_ids"] == ["k1"] and "client_secret" not in response.json()


def test_the_browsable_form_refuses_a_private_key(okta_http, staff_client, key):
    leaked = private_jwk(key, "k1")
    form = {"label": "From the form", "scopes": "hello:read", "jwks": json.dumps(leaked)}
    response = staff_client.post("/register/", form, format="multipart", HTTP_ACCEPT="application/json", **CSRF)
    assert response.status_code == 400, response.content
    assert leaked["d"] not in response.content.decode()
    assert not okta_http.calls or all(leaked["d"] not in str(call.request.body) for call in okta_http.calls)
