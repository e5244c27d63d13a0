"""The embedded server's key set and discovery documents."""

import pytest

from authserver.keys import ensure_signing_key


def test_keys_publish_the_signing_key(client):
    key = ensure_signing_key()
    response = client.get("/oauth2/default/v1/keys")
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=3600"
    (jwk,) = response.json()["keys"]
    assert jwk["kid"] == key.kid
    assert {jwk["kty"], jwk["alg"], jwk["use"]} == {"RSA", "RS256", "sig"}
    assert set(jwk) == {"kty", "alg", "use", "kid", "n", "e"}


@pytest.mark.parametrize(
    "path",
    [
        "/oauth2/default/.well-known/oauth-authorization-server",
        "/oauth2/default/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server/oauth2/default",
    ],
)
def test_discovery_documents(client, path):
    body = client.get(path).json()
    assert body["issuer"] == "http://testserver/oauth2/default"
    assert body["token_endpoint"] == "http://testserver/oauth2/default/v1/token"
    assert body["jwks_uri"] == "http://testserver/oauth2/default/v1/keys"
    assert body["grant_types_supported"] == ["client_credentials"]


def test_signing_key_persists(client):
    first = ensure_signing_key()
    assert ensure_signing_key().kid == first.kid


def test_discovery_lists_only_what_is_supported(client):
    body = client.get("/oauth2/default/.well-known/oauth-authorization-server").json()
    assert body["introspection_endpoint"] == "http://testserver/oauth2/default/v1/introspect"
    assert body["revocation_endpoint"] == "http://testserver/oauth2/default/v1/revoke"
    assert body["registration_endpoint"] == "http://testserver/oauth2/v1/clients"
    methods = ["client_secret_basic", "client_secret_post", "private_key_jwt"]
    for endpoint in ("token", "introspection", "revocation"):
        assert body[f"{endpoint}_endpoint_auth_methods_supported"] == methods
        algorithms = body[f"{endpoint}_endpoint_auth_signing_alg_values_supported"]
        assert "RS256" in algorithms and "ES256" in algorithms
        assert not {"none", "HS256"} & set(algorithms)
    assert body["response_types_supported"] == []
    assert body["authorization_endpoint"] == "http://testserver/oauth2/default/v1/authorize"
    assert "hello:read" in body["scopes_supported"]


@pytest.mark.parametrize("method", ["get", "post"])
def test_the_authorization_endpoint_supports_no_response_type(client, method):
    # Published for clients that require the member; RFC 6749 §4.1.2.1: shown, never redirected.
    response = getattr(client, method)(
        "/oauth2/default/v1/authorize?response_type=code&client_id=x&redirect_uri=https://evil.test/"
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_response_type"
    assert "Location" not in response
    assert client.get("/oauth2/other/v1/authorize").status_code == 404


def test_registration_endpoint_absent_when_dcr_is_off(client, settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "DCR_ENABLED": False}
    body = client.get("/oauth2/default/.well-known/openid-configuration").json()
    assert "registration_endpoint" not in body
    assert client.post("/oauth2/v1/clients", {}).status_code == 404


def test_unknown_server_id_is_404_everywhere(client):
    for path in ("/oauth2/nope/v1/keys", "/oauth2/nope/.well-known/oauth-authorization-server"):
        assert client.get(path).status_code == 404
    for path in ("/oauth2/nope/v1/introspect", "/oauth2/nope/v1/revoke"):
        assert client.post(path, {"token": "x"}).status_code == 404
