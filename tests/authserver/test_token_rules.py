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


FORM = "application/x-www-form-urlencoded"


def post_form(client, body: str, content_type: str = FORM, url: str = TOKEN_URL, **extra):
    # `generic` sends the bytes as they are (`post` would re-encode them in the declared charset).
    return client.generic("POST", url, body.encode(), content_type=content_type, **extra)


@pytest.mark.parametrize("device_code", [None, "anything"], ids=["no device_code", "a device_code"])
def test_device_code_grant_is_unsupported_before_anyone_is_looked_up(client, oauth_client, device_code):
    data = {"grant_type": "urn:ietf:params:oauth:grant-type:device_code"}
    if device_code:
        data["device_code"] = device_code
    assert_oauth_error(request_token(client, **data), 400, "unsupported_grant_type")


@pytest.mark.parametrize(
    "body",
    [
        "grant_type=client_credentials&grant_type=password",
        "grant_type=client_credentials&scope=hello:read&scope=clients:register",
        "grant_type=client_credentials&client_id=test-client&client_secret=wrong&client_secret=" + SECRET,
        "grant_type=client_credentials&client_id=test-client&client_id=test-client&client_secret=" + SECRET,
    ],
    ids=["grant_type", "scope", "client_secret", "client_id"],
)
def test_repeated_parameters_are_invalid_request(client, oauth_client, body):
    response = post_form(client, body)
    described = assert_oauth_error(response, 400, "invalid_request")["error_description"]
    assert "must not repeat" in described


def test_repeated_parameters_are_refused_at_introspection_and_revocation_too(client, oauth_client):
    auth = {"HTTP_AUTHORIZATION": basic("test-client", SECRET)}
    for url in ("/oauth2/default/v1/introspect", "/oauth2/default/v1/revoke"):
        assert_oauth_error(post_form(client, "token=a&token=b", url=url, **auth), 400, "invalid_request")


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        (
            "multipart/form-data; boundary=BoUnDaRy",
            '--BoUnDaRy\r\nContent-Disposition: form-data; name="grant_type"'
            "\r\n\r\nclient_credentials\r\n--BoUnDaRy--\r\n",
        ),
        ("application/json", '{"grant_type": "client_credentials"}'),
        ("text/plain", "grant_type=client_credentials"),
        ("", "grant_type=client_credentials"),
    ],
    ids=["multipart", "json", "text", "none"],
)
def test_only_form_urlencoded_bodies_are_accepted(client, oauth_client, content_type, body):
    response = post_form(client, body, content_type, HTTP_AUTHORIZATION=basic("test-client", SECRET))
    described = assert_oauth_error(response, 400, "invalid_request")["error_description"]
    assert FORM in described


@pytest.mark.parametrize("charset", ["utf-16", "iso-8859-1", "cp037", "x-unknown-charset", "utf-7"])
def test_a_foreign_charset_is_invalid_request(client, oauth_client, charset):
    response = post_form(
        client,
        "grant_type=client_credentials",
        f"{FORM}; charset={charset}",
        HTTP_AUTHORIZATION=basic("test-client", SECRET),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("charset", ["utf-8", "UTF-8"])
def test_utf8_declared_is_fine(client, oauth_client, charset):
    response = post_form(
        client,
        "grant_type=client_credentials",
        f"{FORM}; charset={charset}",
        HTTP_AUTHORIZATION=basic("test-client", SECRET),
    )
    assert response.status_code == 200


def test_parameters_in_the_url_are_refused(client, oauth_client):
    response = post_form(
        client,
        "grant_type=client_credentials",
        url=f"{TOKEN_URL}?client_secret=x",
        HTTP_AUTHORIZATION=basic("test-client", SECRET),
    )
    assert "not in the URL" in assert_oauth_error(response, 400, "invalid_request")["error_description"]


@pytest.mark.parametrize(
    "auth",
    [
        basic("test-\x00client", SECRET),
        basic("test-client", "s3cret\x00"),
        basic("test-%00client", SECRET),  # RFC 6749 §2.3.1: form-encoded inside Basic
        basic("test-\x1bclient", SECRET),
    ],
    ids=["nul in id", "nul in secret", "encoded nul", "esc"],
)
def test_control_characters_in_basic_credentials_are_invalid_request(client, oauth_client, auth):
    assert_oauth_error(request_token(client, auth), 400, "invalid_request")


@pytest.mark.parametrize(
    "data",
    [
        {"client_id": "test-\x00client", "client_secret": SECRET},
        {"client_id": "test-client", "client_secret": SECRET, "scope": "hello:read\x00"},
        {"client_id": "test-client", "client_secret": SECRET, "x\x00": "1"},
        {"client_id": "test-client", "client_secret": SECRET, "resource": "https://api.example.com\x00"},
        {
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": "a\x00b.c.d",
        },
    ],
    ids=["client_id", "scope", "name", "resource", "client_assertion"],
)
def test_nul_in_form_parameters_is_invalid_request(client, oauth_client, data):
    response = request_token(client, **data)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert "NUL" in body["error_description"]
