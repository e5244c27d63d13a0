"""RFC 7591 registration and RFC 7592 management at `/oauth2/v1/clients`."""

import hashlib

import pytest
from oauth2_provider.models import get_access_token_model

from authserver.models import AdminApiToken, Client

from ..conftest import basic

URL = "/oauth2/v1/clients"
SERVICE = {"client_name": "Billing", "grant_types": ["client_credentials"], "scope": "hello:read clients:register"}


def register(client, initial_token, body=None, scheme="Bearer"):
    return client.post(
        URL,
        body if body is not None else SERVICE,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"{scheme} {initial_token}",
    )


def manage(client, method, uri, token, body=None):
    extra = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    if body is not None:
        extra["content_type"] = "application/json"
        return getattr(client, method)(uri, body, **extra)
    return getattr(client, method)(uri, **extra)


def assert_error(response, status, error):
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]
    assert response["Cache-Control"] == "no-store"


def test_register_a_service_client(client, initial_token):
    response = register(client, initial_token)
    assert response.status_code == 201, response.content
    assert response["Cache-Control"] == "no-store"
    assert response["Pragma"] == "no-cache"
    body = response.json()
    assert body["client_name"] == "Billing"
    assert body["grant_types"] == ["client_credentials"]
    assert body["scope"] == "hello:read clients:register"
    assert body["token_endpoint_auth_method"] == "client_secret_basic"
    assert body["client_secret_expires_at"] == 0
    assert isinstance(body["client_id_issued_at"], int)
    assert body["registration_client_uri"] == f"http://testserver{URL}/{body['client_id']}"
    stored = Client.objects.get(client_id=body["client_id"])
    assert stored.allowed_scope_list == ["hello:read", "clients:register"]
    assert stored.registration_source == "dcr"
    assert body["client_secret"] not in stored.client_secret
    # The registration access token is kept only as a checksum.
    checksum = hashlib.sha256(body["registration_access_token"].encode()).hexdigest()
    row = get_access_token_model().objects.get(token_checksum=checksum)
    assert body["registration_access_token"] not in row.token
    # The client works at the token endpoint with the scopes it registered.
    token = client.post(
        "/oauth2/default/v1/token",
        {"grant_type": "client_credentials", "scope": "clients:register"},
        HTTP_AUTHORIZATION=basic(body["client_id"], body["client_secret"]),
    )
    assert token.status_code == 200, token.content


def test_defaults_and_client_secret_post(client, initial_token):
    body = register(
        client,
        initial_token,
        {"grant_types": ["client_credentials"], "token_endpoint_auth_method": "client_secret_post"},
        scheme="SSWS",
    ).json()
    assert body["scope"] == "hello:read"
    assert body["token_endpoint_auth_method"] == "client_secret_post"


@pytest.mark.parametrize(
    ("header", "has_error_code"), [(None, False), ("Basic abc", False), ("Bearer wrong", True), ("Bearer ", False)]
)
def test_registration_needs_an_initial_access_token(client, header, has_error_code):
    extra = {"HTTP_AUTHORIZATION": header} if header else {}
    response = client.post(URL, SERVICE, content_type="application/json", **extra)
    assert_error(response, 401, "invalid_token")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert ('error="invalid_token"' in response["WWW-Authenticate"]) is has_error_code
    assert not Client.objects.exists()


def test_inactive_admin_token_cannot_register(client, initial_token):
    AdminApiToken.objects.update(is_active=False)
    assert_error(register(client, initial_token), 401, "invalid_token")


def test_plain_http_from_another_host_is_refused(client, initial_token):
    response = client.post(
        URL,
        SERVICE,
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {initial_token}",
        REMOTE_ADDR="198.51.100.7",
    )
    assert_error(response, 400, "invalid_request")


@pytest.mark.parametrize(
    "changes",
    [
        {"grant_types": ["authorization_code"]},
        {"grant_types": None},
        {"response_types": ["code"]},
        {"redirect_uris": ["https://app.test/cb"]},
        {"application_type": "web"},
        {"token_endpoint_auth_method": "private_key_jwt"},
        {"token_endpoint_auth_method": "none"},
        {"scope": "hello:read admin:all"},
        {"scope": ""},
        {"jwks_uri": "https://app.test/jwks"},
        {"client_name": 42},
    ],
)
def test_invalid_metadata(client, initial_token, changes):
    body = {**SERVICE, **changes}
    body = {key: value for key, value in body.items() if value is not None}
    assert_error(register(client, initial_token, body), 400, "invalid_client_metadata")
    assert not Client.objects.exists()


@pytest.mark.parametrize("raw", ["[1]", "{nope", '"x"'])
def test_body_must_be_a_json_object(client, initial_token, raw):
    assert_error(register(client, initial_token, raw), 400, "invalid_client_metadata")


def test_read_update_delete_with_the_registration_access_token(client, initial_token):
    registered = register(client, initial_token).json()
    uri, token = registered["registration_client_uri"], registered["registration_access_token"]

    read = manage(client, "get", uri, token)
    assert read.status_code == 200
    assert read["Cache-Control"] == "no-store"
    assert read.json()["scope"] == "hello:read clients:register"
    assert "client_secret" not in read.json()

    update = {
        "client_id": registered["client_id"],
        "client_name": "Billing v2",
        "grant_types": ["client_credentials"],
        "scope": "hello:read",
    }
    updated = manage(client, "put", uri, token, update)
    assert updated.status_code == 200, updated.content
    assert updated.json()["client_name"] == "Billing v2"
    assert updated.json()["scope"] == "hello:read"
    new_token = updated.json()["registration_access_token"]
    assert new_token != token  # Rotated on update; the old one is gone.
    assert_error(manage(client, "get", uri, token), 401, "invalid_token")
    assert Client.objects.get(client_id=registered["client_id"]).allowed_scope_list == ["hello:read"]

    assert manage(client, "delete", uri, new_token).status_code == 204
    assert not Client.objects.filter(client_id=registered["client_id"]).exists()


def test_update_checks_client_id_secret_and_metadata(client, initial_token):
    registered = register(client, initial_token).json()
    uri, token = registered["registration_client_uri"], registered["registration_access_token"]
    base = {"grant_types": ["client_credentials"]}
    assert_error(manage(client, "put", uri, token, {**base, "client_id": "other"}), 400, "invalid_client_metadata")
    assert_error(manage(client, "put", uri, token, {**base, "client_secret": "wrong"}), 400, "invalid_client_metadata")
    assert_error(manage(client, "put", uri, token, {**base, "scope": "nope"}), 400, "invalid_client_metadata")
    ok = manage(client, "put", uri, token, {**base, "client_secret": registered["client_secret"]})
    assert ok.status_code == 200


@pytest.mark.parametrize("method", ["get", "put", "delete"])
def test_management_needs_the_right_token(client, initial_token, method):
    first = register(client, initial_token).json()
    second = register(client, initial_token).json()
    body = {"grant_types": ["client_credentials"]} if method == "put" else None
    for token in (None, "wrong", second["registration_access_token"], initial_token):
        assert_error(manage(client, method, first["registration_client_uri"], token, body), 401, "invalid_token")
    assert Client.objects.filter(client_id=first["client_id"]).exists()


def test_management_refuses_plain_http_from_another_host(client, initial_token):
    registered = register(client, initial_token).json()
    response = client.get(
        registered["registration_client_uri"],
        HTTP_AUTHORIZATION=f"Bearer {registered['registration_access_token']}",
        REMOTE_ADDR="198.51.100.7",
    )
    assert_error(response, 400, "invalid_request")


def test_apps_api_clients_cannot_be_managed_through_dcr(client, initial_token):
    # A registration access token only ever matches a dynamically registered client.
    Client.objects.create(
        name="manual",
        client_id="manual",
        allowed_scopes="hello:read",
        client_type="confidential",
        authorization_grant_type="client-credentials",
    )
    registered = register(client, initial_token).json()
    response = manage(client, "get", f"{URL}/manual", registered["registration_access_token"])
    assert_error(response, 401, "invalid_token")


def test_management_is_not_subject_to_csrf(initial_token):
    """Callers authenticate by bearer token, without cookies: CSRF must not block PUT or DELETE."""
    from django.test import Client as DjangoClient

    strict = DjangoClient(enforce_csrf_checks=True)
    body = register(strict, initial_token).json()
    uri, token = body["registration_client_uri"], body["registration_access_token"]
    updated = manage(strict, "put", uri, token, {**SERVICE, "client_id": body["client_id"]})
    assert updated.status_code == 200, updated.content
    token = updated.json().get("registration_access_token", token)
    assert manage(strict, "delete", uri, token).status_code == 204


HOSTILE_JSON = [
    "[" * 100_000 + "]" * 100_000,
    '{"client_name": ' + "[" * 50_000 + "]" * 50_000 + "}",
    '{"client_name": "a\\u0000b", "grant_types": ["client_credentials"]}',
    '{"client_name": "\\ud800", "grant_types": ["client_credentials"]}',
    '{"client_name": NaN}',
]


@pytest.mark.parametrize("raw", HOSTILE_JSON, ids=["deep", "deep name", "NUL", "lone surrogate", "NaN"])
def test_hostile_json_is_invalid_client_metadata_at_registration_and_update(client, initial_token, raw):
    registered = register(client, initial_token).json()
    before = (Client.objects.count(), Client.objects.get(client_id=registered["client_id"]).name)
    assert_error(register(client, initial_token, raw), 400, "invalid_client_metadata")
    assert_error(
        manage(client, "put", registered["registration_client_uri"], registered["registration_access_token"], raw),
        400,
        "invalid_client_metadata",
    )
    assert (Client.objects.count(), Client.objects.get(client_id=registered["client_id"]).name) == before


@pytest.mark.parametrize("name", ["evil\u202etxt.exe", "esc\x1b[31m", "zero\u200bwidth"])
def test_client_name_follows_the_one_label_rule(client, initial_token, name):
    before = Client.objects.count()
    assert_error(register(client, initial_token, {**SERVICE, "client_name": name}), 400, "invalid_client_metadata")
    assert Client.objects.count() == before


def test_an_update_cannot_widen_the_scopes_the_initial_access_token_granted(client, initial_token):
    """RFC 7591 §2 policy: the registration access token may narrow the grant, and widen it back, never beyond."""
    registered = register(client, initial_token, {**SERVICE, "scope": "hello:read"}).json()
    uri, token = registered["registration_client_uri"], registered["registration_access_token"]
    base = {"client_id": registered["client_id"], "grant_types": ["client_credentials"]}
    for scope in ("hello:read clients:manage clients:register", "clients:manage", "hello:read tokens:introspect"):
        response = manage(client, "put", uri, token, {**base, "scope": scope})
        assert_error(response, 400, "invalid_client_metadata")
        assert "not granted to this client at registration" in response.json()["error_description"]
    stored = Client.objects.get(client_id=registered["client_id"])
    assert (stored.allowed_scopes, stored.scope_ceiling) == ("hello:read", "hello:read")
    # Nor can the client get a token for a scope it tried to give itself.
    response = client.post(
        "/oauth2/default/v1/token",
        {"grant_type": "client_credentials", "scope": "clients:manage"},
        HTTP_AUTHORIZATION=basic(registered["client_id"], registered["client_secret"]),
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_scope"


def test_an_update_may_narrow_and_restore_within_the_grant(client, initial_token):
    registered = register(client, initial_token).json()  # hello:read clients:register
    uri, token = registered["registration_client_uri"], registered["registration_access_token"]
    base = {"client_id": registered["client_id"], "grant_types": ["client_credentials"]}
    narrowed = manage(client, "put", uri, token, {**base, "scope": "hello:read"})
    assert narrowed.json()["scope"] == "hello:read"
    token = narrowed.json()["registration_access_token"]
    restored = manage(client, "put", uri, token, {**base, "scope": "clients:register hello:read"})
    assert restored.status_code == 200, restored.content
    assert Client.objects.get(client_id=registered["client_id"]).allowed_scope_list == [
        "clients:register",
        "hello:read",
    ]
