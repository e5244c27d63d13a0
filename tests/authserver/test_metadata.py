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
