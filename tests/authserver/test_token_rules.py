"""Token endpoint rules: one authentication method, client credentials only, and every error shaped alike."""

import base64

import pytest

from authserver.models import Client

from .conftest import SECRET, basic
from .test_token_endpoint import TOKEN_URL, request_token


def assert_oauth_error(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"
    return body


def test_client_secret_post(client, oauth_client):
    response = request_token(client, client_id="test-client", client_secret=SECRET)
    assert response.status_code == 200


def test_basic_scheme_is_case_insensitive(client, oauth_client):
    assert request_token(client, basic("test-client", SECRET).replace("Basic", "basic")).status_code == 200


def test_both_methods_at_once_is_invalid_request(client, oauth_client):
    response = request_token(client, basic("test-client", SECRET), client_id="test-client", client_secret=SECRET)
    body = assert_oauth_error(response, 400, "invalid_request")
    assert "multiple client credentials" in body["error_description"]


def test_body_client_id_must_match_basic(client, oauth_client):
    assert_oauth_error(request_token(client, basic("test-client", SECRET), client_id="other"), 400, "invalid_request")


@pytest.mark.parametrize(
    ("auth", "data"),
    [
        (basic("test-client", "wrong"), {}),
        (basic("nobody", SECRET), {}),
        ("Basic !!!not-base64", {}),
        ("Basic " + base64.b64encode(b"no-colon").decode(), {}),
    ],
)
def test_invalid_client_with_basic_is_401_with_basic_challenge(client, oauth_client, auth, data):
    response = request_token(client, auth, **data)
    assert_oauth_error(response, 401, "invalid_client")
    assert response["WWW-Authenticate"] == 'Basic realm="http://testserver/oauth2/default"'


@pytest.mark.parametrize(
    "data", [{"client_id": "test-client", "client_secret": "wrong"}, {"client_id": "nobody", "client_secret": "x"}, {}]
)
def test_invalid_client_in_body_or_none_is_401(client, oauth_client, data):
    response = request_token(client, **data)
    assert_oauth_error(response, 401, "invalid_client")
    assert response["WWW-Authenticate"].startswith("Basic ")


@pytest.mark.parametrize("grant_type", ["password", "authorization_code", "refresh_token", "urn:x:custom"])
def test_other_grants_are_unsupported(client, oauth_client, grant_type):
    response = request_token(client, basic("test-client", SECRET), grant_type=grant_type)
    assert_oauth_error(response, 400, "unsupported_grant_type")


def test_missing_grant_type_is_invalid_request(client, oauth_client):
    response = client.post(TOKEN_URL, {}, HTTP_AUTHORIZATION=basic("test-client", SECRET))
    assert_oauth_error(response, 400, "invalid_request")


def test_a_client_of_another_grant_type_is_unauthorized(client, oauth_client):
    oauth_client.authorization_grant_type = Client.GRANT_AUTHORIZATION_CODE
    oauth_client.redirect_uris = "https://app.test/cb"
    oauth_client.save()
    assert_oauth_error(request_token(client, basic("test-client", SECRET)), 400, "unauthorized_client")


def test_invalid_scope_names_the_refused_scopes(client, oauth_client):
    body = assert_oauth_error(
        request_token(client, basic("test-client", SECRET), scope="hello:read clients:manage"), 400, "invalid_scope"
    )
    assert "clients:manage" in body["error_description"]


def test_no_default_scope_is_invalid_scope(client, oauth_client):
    oauth_client.allowed_scopes = "clients:register"
    oauth_client.save()
    assert_oauth_error(request_token(client, basic("test-client", SECRET)), 400, "invalid_scope")


def test_inactive_client_is_invalid_client(client, oauth_client):
    oauth_client.status = Client.STATUS_INACTIVE
    oauth_client.save()
    assert_oauth_error(request_token(client, basic("test-client", SECRET)), 401, "invalid_client")


def test_plain_http_from_another_host_is_refused(client, oauth_client):
    response = client.post(
        TOKEN_URL,
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic("test-client", SECRET),
        REMOTE_ADDR="192.0.2.10",
    )
    assert_oauth_error(response, 400, "invalid_request")
    secure = client.post(
        TOKEN_URL,
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic("test-client", SECRET),
        REMOTE_ADDR="192.0.2.10",
        secure=True,
    )
    assert secure.status_code == 200


def test_get_is_not_allowed(client, oauth_client):
    assert client.get(TOKEN_URL).status_code == 405
