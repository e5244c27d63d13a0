"""RFC 7662 introspection and RFC 7009 revocation of the server's self-contained JWTs."""

import time

import jwt
import pytest

from authserver.issued_tokens import prune_revocations
from authserver.keys import ensure_signing_key, load_private_key
from authserver.models import Client, RevokedToken
from authserver.service_clients import create_service_client

from .conftest import SECRET, basic
from .test_token_endpoint import request_token
from .test_token_rules import assert_oauth_error

INTROSPECT = "/oauth2/default/v1/introspect"
REVOKE = "/oauth2/default/v1/revoke"
AUTH = basic("test-client", SECRET)


@pytest.fixture
def other_client() -> Client:
    return create_service_client(
        label="Other",
        scopes=["hello:read"],
        client_id="other-client",
        secret=SECRET,
    )[0]


@pytest.fixture
def resource_server() -> Client:
    """The client of a resource server, allowed to introspect other clients' tokens."""
    return create_service_client(
        label="Resource server",
        scopes=["hello:read", "tokens:introspect"],
        client_id="resource-server",
        secret=SECRET,
    )[0]


@pytest.fixture
def access_token(client, oauth_client) -> str:
    return request_token(client, AUTH, scope="hello:read").json()["access_token"]


def introspect(client, token, auth=AUTH, **data):
    extra = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post(INTROSPECT, {"token": token, **data}, **extra)


def revoke(client, token, auth=AUTH, **data):
    extra = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return client.post(REVOKE, {"token": token, **data}, **extra)


def test_active_token(client, access_token):
    response = introspect(client, access_token)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"
    body = response.json()
    assert body["active"] is True
    assert body["client_id"] == body["sub"] == "test-client"
    assert body["scope"] == "hello:read"
    assert body["token_type"] == "Bearer"
    assert body["iss"] == "http://testserver/oauth2/default"
    assert body["aud"] == "api://default"
    assert body["jti"].startswith("AT.")
    assert body["exp"] > body["iat"]


def test_a_client_with_the_introspection_scope_may_introspect_others(client, access_token, resource_server):
    # RFC 7662's use: a resource server (its own client) asks about a caller's token.
    body = introspect(client, access_token, basic("resource-server", SECRET)).json()
    assert (body["active"], body["client_id"]) == (True, "test-client")


def test_another_client_learns_nothing_of_a_token_not_its_own(client, access_token, other_client, settings):
    """RFC 7662 §4: any other client gets `active: false`, exactly as for a token that does not exist."""
    assert introspect(client, access_token, basic("other-client", SECRET)).json() == {"active": False}
    other_token = request_token(client, basic("other-client", SECRET), scope="hello:read").json()["access_token"]
    assert introspect(client, other_token, basic("other-client", SECRET)).json()["active"] is True
    # The permission is a setting: a scope no client holds (or none in SCOPES) means nobody may.
    settings.AUTHSERVER = {**settings.AUTHSERVER, "INTROSPECTION_SCOPE": "hello:read"}
    assert introspect(client, access_token, basic("other-client", SECRET)).json()["active"] is True


def test_client_secret_post_works_for_introspection(client, access_token):
    response = introspect(client, access_token, auth=None, client_id="test-client", client_secret=SECRET)
    assert response.json()["active"] is True


def forged(access_token: str, **changes) -> str:
    claims = jwt.decode(access_token, options={"verify_signature": False})
    key = ensure_signing_key()
    headers = {"kid": key.kid, "typ": changes.pop("typ", "at+jwt")}
    return jwt.encode({**claims, **changes}, load_private_key(key.kid, key.private_key_pem), "RS256", headers)


@pytest.mark.parametrize(
    "mutate",
    [
        lambda token: token[:-6] + "AAAAAA",
        lambda token: "not.a.jwt",
        lambda token: "x" * 9000,
        lambda token: forged(token, exp=int(time.time()) - 10),
        lambda token: forged(token, iss="https://elsewhere.test/oauth2/default"),
        lambda token: forged(token, aud="api://other"),
        lambda token: forged(token, typ="JWT"),
        lambda token: jwt.encode({"sub": "x"}, "secret-secret-secret-secret-secret!", "HS256"),
    ],
)
def test_invalid_tokens_are_inactive(client, access_token, mutate):
    response = introspect(client, mutate(access_token))
    assert response.status_code == 200
    assert response.json() == {"active": False}


def test_a_token_from_another_issuer_path_is_inactive(client, access_token, settings):
    settings.AUTHSERVER = {**settings.AUTHSERVER, "SERVER_IDS": ["default", "other"]}
    response = client.post("/oauth2/other/v1/introspect", {"token": access_token}, HTTP_AUTHORIZATION=AUTH)
    assert response.json() == {"active": False}


def test_deactivated_clients_token_is_inactive(client, access_token, resource_server, oauth_client):
    assert introspect(client, access_token, basic("resource-server", SECRET)).json()["active"] is True
    oauth_client.status = Client.STATUS_INACTIVE
    oauth_client.save()
    assert introspect(client, access_token, basic("resource-server", SECRET)).json() == {"active": False}


def test_introspection_errors(client, access_token):
    assert_oauth_error(client.post(INTROSPECT, {}, HTTP_AUTHORIZATION=AUTH), 400, "invalid_request")
    response = introspect(client, access_token, auth=basic("test-client", "wrong"))
    assert_oauth_error(response, 401, "invalid_client")
    assert response["WWW-Authenticate"].startswith("Basic ")
    assert_oauth_error(introspect(client, access_token, auth=None), 401, "invalid_client")
    both = introspect(client, access_token, client_id="test-client", client_secret=SECRET)
    assert_oauth_error(both, 400, "invalid_request")
    assert_oauth_error(introspect(client, access_token, token_type_hint="refresh_token"), 400, "unsupported_token_type")
    assert client.get(INTROSPECT).status_code == 405


def test_revoke_own_token(client, access_token):
    response = revoke(client, access_token)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert RevokedToken.objects.filter(client_id="test-client").count() == 1
    assert introspect(client, access_token).json() == {"active": False}
    # Revoking again, or revoking garbage, is still a success (RFC 7009 §2.2).
    assert revoke(client, access_token).status_code == 200
    assert revoke(client, "garbage").status_code == 200
    assert RevokedToken.objects.count() == 1


def test_cannot_revoke_another_clients_token(client, access_token, other_client):
    assert revoke(client, access_token, basic("other-client", SECRET)).status_code == 200
    assert not RevokedToken.objects.exists()
    assert introspect(client, access_token).json()["active"] is True


def test_revocation_errors(client, access_token):
    assert_oauth_error(client.post(REVOKE, {}, HTTP_AUTHORIZATION=AUTH), 400, "invalid_request")
    response = revoke(client, access_token, auth=basic("test-client", "wrong"))
    assert_oauth_error(response, 401, "invalid_client")
    assert response["WWW-Authenticate"].startswith("Basic ")
    assert_oauth_error(revoke(client, access_token, auth=None), 401, "invalid_client")
    assert_oauth_error(revoke(client, access_token, token_type_hint="refresh_token"), 400, "unsupported_token_type")
    assert not RevokedToken.objects.exists()


def test_plain_http_from_another_host_is_refused(client, access_token):
    response = client.post(INTROSPECT, {"token": access_token}, HTTP_AUTHORIZATION=AUTH, REMOTE_ADDR="192.0.2.1")
    assert_oauth_error(response, 400, "invalid_request")
    response = client.post(REVOKE, {"token": access_token}, HTTP_AUTHORIZATION=AUTH, REMOTE_ADDR="192.0.2.1")
    assert_oauth_error(response, 400, "invalid_request")


def test_expired_revocations_are_pruned(client, access_token):
    revoke(client, access_token)
    assert prune_revocations() == 0
    RevokedToken.objects.update(expires_at="2000-01-01T00:00:00Z")
    assert prune_revocations() == 1
