"""django-oauth-toolkit's private API as `authserver.dot_adapter` uses it: fails loudly if an upgrade changes it.

Each private method is checked twice: its signature (the names the adapter passes) and its
behaviour (what the adapter relies on it returning or setting). A failure here names the method
to look at in DOT's changelog; fix `authserver/dot_adapter.py`, nothing else.
"""

import inspect

import pytest
from django.http import HttpResponse
from django.test import RequestFactory
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauthlib.common import Request as OAuthlibRequest

from authserver.dot_adapter import PRIVATE_API, RegistrationManagementAdapter, ValidatorAdapter, oauthlib_params
from authserver.models import AdminApiToken

from .conftest import SECRET, basic


@pytest.mark.parametrize(("owner", "name"), list(PRIVATE_API), ids=[name for _owner, name in PRIVATE_API])
def test_each_private_method_still_exists_with_the_parameters_passed(owner, name):
    method = getattr(owner, name, None)
    assert callable(method), f"django-oauth-toolkit no longer has {owner.__name__}.{name}"
    parameters = list(inspect.signature(method).parameters)
    expected = list(PRIVATE_API[(owner, name)])
    assert parameters[0] == "self"
    assert parameters[1 : 1 + len(expected)] == expected, f"{owner.__name__}.{name}{inspect.signature(method)}"
    required = [
        p.name
        for p in inspect.signature(method).parameters.values()
        if p.default is p.empty and p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.name != "self"
    ]
    assert required == expected, f"{owner.__name__}.{name} now requires {required}"


def test_the_adapter_is_the_only_module_calling_private_dot_methods():
    import pathlib

    names = [name for _owner, name in PRIVATE_API]
    root = pathlib.Path(__file__).resolve().parents[2]
    offenders = [
        str(path.relative_to(root))
        for folder in ("api", "authserver", "registration", "ccproject")
        for path in (root / folder).rglob("*.py")
        if path.name != "dot_adapter.py" and any(name in path.read_text() for name in names)
    ]
    assert offenders == []


def oauthlib_request(auth: str | None = None, body: str = "") -> OAuthlibRequest:
    headers = {"HTTP_AUTHORIZATION": auth} if auth else {}
    return OAuthlibRequest("https://testserver/oauth2/default/v1/token", "POST", body, headers)


@pytest.mark.parametrize("scheme", ["Basic", "basic", "BASIC"])
def test_basic_credentials_are_read_case_insensitively_by_dot_itself(oauth_client, scheme):
    header = basic("test-client", SECRET).replace("Basic", scheme)
    request = oauthlib_request(header)
    validator = ValidatorAdapter()
    assert validator.basic_credentials(request) == header.split(" ", 1)[1]
    # DOT's own client_authentication_required calls the overridden _extract_basic_auth.
    request.client_id = None
    assert validator.client_authentication_required(request) is True


@pytest.mark.parametrize("auth", ["Bearer abc", "Basic", "", None])
def test_no_basic_credentials(auth):
    assert ValidatorAdapter().basic_credentials(oauthlib_request(auth)) is None


def test_load_client_sets_the_usable_client(oauth_client):
    request = oauthlib_request()
    loaded = ValidatorAdapter().load_client("test-client", request)
    assert loaded == oauth_client and request.client == oauth_client
    assert ValidatorAdapter().load_client("nobody", oauthlib_request()) is None
    oauth_client.status = oauth_client.STATUS_INACTIVE
    oauth_client.save()
    assert ValidatorAdapter().load_client("test-client", oauthlib_request()) is None


def test_oauthlib_params_hands_over_uri_method_form_body_and_headers(oauth_client):
    django_request = RequestFactory().post(
        "/oauth2/default/v1/introspect",
        "token=abc&token_type_hint=access_token",
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION="Basic xyz",
    )
    uri, method, body, headers = oauthlib_params(OAuthLibCore(), django_request)
    assert uri == "/oauth2/default/v1/introspect"
    assert method == "POST"
    assert dict(pair.split("=") for pair in body.split("&")) == {"token": "abc", "token_type_hint": "access_token"}
    assert headers["Authorization"] == headers["HTTP_AUTHORIZATION"] == "Basic xyz"


def test_registration_authentication_opens_the_clients_registration(client):
    initial = AdminApiToken.issue("dcr")[1]
    registered = client.post(
        "/oauth2/v1/clients",
        {"client_name": "x", "grant_types": ["client_credentials"], "scope": "hello:read"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {initial}",
    ).json()
    client_id, token = registered["client_id"], registered["registration_access_token"]
    factory = RequestFactory()
    view = RegistrationManagementAdapter()

    opened = view.authenticate_registration(factory.get("/", HTTP_AUTHORIZATION=f"Bearer {token}"), client_id)
    assert not isinstance(opened, HttpResponse)
    assert opened.application.client_id == client_id
    assert opened.presented_token == token

    for header, status in ((None, 401), ("Bearer wrong", 401)):
        extra = {"HTTP_AUTHORIZATION": header} if header else {}
        refused = view.authenticate_registration(factory.get("/", **extra), client_id)
        assert isinstance(refused, HttpResponse) and refused.status_code == status
    other = view.authenticate_registration(factory.get("/", HTTP_AUTHORIZATION=f"Bearer {token}"), "someone-else")
    assert isinstance(other, HttpResponse) and other.status_code in (401, 403, 404)
