"""The embedded server's token endpoint: client credentials, JWTs in Okta's shape."""

import jwt
import pytest

from authserver.keys import published_jwks
from authserver.models import Client

from .conftest import SECRET, basic

TOKEN_URL = "/oauth2/default/v1/token"


def request_token(client, auth=None, **data):
    data.setdefault("grant_type", "client_credentials")
    extra = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post(TOKEN_URL, data, **extra)


def verify(access_token: str) -> dict:
    (jwk,) = published_jwks()["keys"]
    key = jwt.PyJWK(jwk)
    return jwt.decode(access_token, key.key, algorithms=["RS256"], audience="api://default")


def test_issues_an_okta_shaped_rs256_jwt(client, oauth_client):
    response = request_token(client, basic("test-client", SECRET), scope="hello:read")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == 3600
    header = jwt.get_unverified_header(body["access_token"])
    assert header["alg"] == "RS256"
    assert header["typ"] == "at+jwt"
    assert header["kid"] == published_jwks()["keys"][0]["kid"]
    claims = verify(body["access_token"])
    assert claims["iss"] == "http://testserver/oauth2/default"
    assert claims["ver"] == 1
    assert claims["cid"] == claims["sub"] == claims["client_id"] == "test-client"
    assert claims["scp"] == ["hello:read"]
    assert claims["scope"] == "hello:read"
    assert claims["exp"] - claims["iat"] == 3600
    assert claims["jti"].startswith("AT.")


def test_no_scope_means_the_default_scopes(client, oauth_client):
    response = request_token(client, basic("test-client", SECRET))
    assert response.status_code == 200
    assert verify(response.json()["access_token"])["scp"] == ["hello:read"]


def test_unknown_or_disallowed_scope_is_invalid_scope(client, oauth_client):
    response = request_token(client, basic("test-client", SECRET), scope="hello:read clients:manage")
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


def test_no_default_scope_allowed_is_invalid_scope(client, oauth_client):
    oauth_client.allowed_scopes = "clients:register"
    oauth_client.save()
    response = request_token(client, basic("test-client", SECRET))
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_scope"


@pytest.mark.parametrize("auth", [basic("test-client", "wrong"), basic("nobody", SECRET)])
def test_bad_credentials_are_invalid_client(client, oauth_client, auth):
    response = request_token(client, auth)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response["Cache-Control"] == "no-store"


def test_inactive_client_cannot_get_tokens(client, oauth_client):
    oauth_client.status = Client.STATUS_INACTIVE
    oauth_client.save()
    assert request_token(client, basic("test-client", SECRET)).status_code == 401


def test_secret_is_stored_hashed_with_the_fast_hasher(oauth_client):
    oauth_client.refresh_from_db()
    assert oauth_client.client_secret.startswith("ccp_sha256$")
    assert SECRET not in oauth_client.client_secret


def test_unknown_authorization_server_is_404(client, oauth_client):
    response = client.post("/oauth2/other/v1/token", {"grant_type": "client_credentials"})
    assert response.status_code == 404


def test_issued_tokens_are_not_stored_at_all(client, oauth_client):
    from oauth2_provider.models import get_access_token_model

    response = request_token(client, basic("test-client", SECRET))
    assert response.status_code == 200
    assert not get_access_token_model().objects.exists()
