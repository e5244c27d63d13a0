"""RFC 7591/7592 `private_key_jwt` clients: registered with `jwks` or `jwks_uri`, keys replaced by update."""

import pytest

from authserver.models import Client, ClientSecret
from tests.support.assertions import assertion_form, make_assertion, private_jwk, public_jwk

from .test_registration import SERVICE, assert_error, manage, register

TOKEN = "/oauth2/default/v1/token"


def keyless(*jwks: dict) -> dict:
    return {**SERVICE, "token_endpoint_auth_method": "private_key_jwt", "jwks": {"keys": list(jwks)}}


def test_register_with_a_public_jwks_gets_no_secret(client, initial_token, key):
    response = register(client, initial_token, keyless(public_jwk(key, "key-1")))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["token_endpoint_auth_method"] == "private_key_jwt"
    assert "client_secret" not in body and "client_secret_expires_at" not in body
    assert [jwk["kid"] for jwk in body["jwks"]["keys"]] == ["key-1"]
    stored = Client.objects.get(client_id=body["client_id"])
    assert stored.uses_private_key_jwt and not ClientSecret.objects.filter(client=stored).exists()
    token = client.post(TOKEN, assertion_form(make_assertion(key, body["client_id"])))
    assert token.status_code == 200, token.content


def test_register_with_a_jwks_uri(client, initial_token):
    body = {**SERVICE, "token_endpoint_auth_method": "private_key_jwt", "jwks_uri": "https://keys.example/jwks"}
    response = register(client, initial_token, body)
    assert response.status_code == 201, response.content
    assert response.json()["jwks_uri"] == "https://keys.example/jwks"


@pytest.mark.parametrize(
    "changes",
    [
        {"jwks_uri": "http://keys.example/jwks"},  # plain http to another host
        {"jwks_uri": "file:///etc/passwd"},
        {"jwks": {"keys": "nope"}},
        {"jwks": [1]},
    ],
)
def test_invalid_key_metadata(client, initial_token, key, changes):
    body = {**keyless(public_jwk(key, "key-1")), **changes}
    if "jwks_uri" in changes:
        body.pop("jwks")
    assert_error(register(client, initial_token, body), 400, "invalid_client_metadata")
    assert not Client.objects.exists()


def test_a_private_key_is_refused_and_not_echoed(client, initial_token, key):
    leaked = private_jwk(key, "key-1")
    response = register(client, initial_token, keyless(leaked))
    assert_error(response, 400, "invalid_client_metadata")
    assert leaked["d"] not in response.content.decode()


def test_keys_rotate_by_update_without_downtime(client, initial_token, key, second_key):
    registered = register(client, initial_token, keyless(public_jwk(key, "key-1"))).json()
    uri, token, client_id = (
        registered["registration_client_uri"],
        registered["registration_access_token"],
        registered["client_id"],
    )
    both = {**keyless(public_jwk(key, "key-1"), public_jwk(second_key, "key-2")), "client_id": client_id}
    updated = manage(client, "put", uri, token, both)
    assert updated.status_code == 200, updated.content
    assert [jwk["kid"] for jwk in updated.json()["jwks"]["keys"]] == ["key-1", "key-2"]
    assert client.post(TOKEN, assertion_form(make_assertion(key, client_id))).status_code == 200
    assert client.post(TOKEN, assertion_form(make_assertion(second_key, client_id, kid="key-2"))).status_code == 200

    token = updated.json()["registration_access_token"]
    only_new = {**keyless(public_jwk(second_key, "key-2")), "client_id": client_id}
    assert manage(client, "put", uri, token, only_new).status_code == 200
    assert client.post(TOKEN, assertion_form(make_assertion(key, client_id))).status_code == 401
    assert client.post(TOKEN, assertion_form(make_assertion(second_key, client_id, kid="key-2"))).status_code == 200


def test_the_auth_method_cannot_switch_by_update(client, initial_token, key):
    registered = register(client, initial_token).json()
    body = {**keyless(public_jwk(key, "key-1")), "client_id": registered["client_id"]}
    response = manage(
        client, "put", registered["registration_client_uri"], registered["registration_access_token"], body
    )
    assert_error(response, 400, "invalid_client_metadata")
