"""No privilege without a grant: what a bearer caller may grant, a withdrawn caller, and one Idempotency-Key."""

import pytest
from django.db import OperationalError

from registration.models import RegisteredClient

from .conftest import CSRF, ORG, okta_app, provider_calls
from .test_api import SECRET, assert_error, post_register

APPS = f"{ORG}/api/v1/apps"


@pytest.mark.parametrize(
    ("held", "granted", "missing"),
    [
        (["clients:register"], ["hello:read"], "hello:read"),
        (["clients:register", "hello:read"], ["hello:read", "clients:manage"], "clients:manage"),
        # A registrar creates no registrar beyond itself ...
        (["clients:register", "hello:read"], ["clients:register", "clients:manage"], "clients:manage"),
        (["clients:register"], ["clients:register", "unknown:scope"], "unknown:scope"),
    ],
)
def test_a_bearer_caller_grants_only_scopes_its_token_carries(bearer, okta_http, held, granted, missing):
    response = post_register(bearer(*held), {"label": "Escalate", "scopes": granted})
    body = assert_error(response, 403, "insufficient_scope")
    assert body["scope"] == missing
    assert f'scope="{missing}"' in response["WWW-Authenticate"]
    assert not provider_calls(okta_http) and not RegisteredClient.objects.exists()


def test_a_registrar_may_create_a_registrar_within_its_own_scopes(bearer, okta_http):
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    response = post_register(
        bearer("clients:register", "hello:read"), {"label": "Peer", "scopes": ["clients:register"]}
    )
    assert response.status_code == 201, response.content
    assert RegisteredClient.objects.get().scopes == ["clients:register"]


def test_staff_may_grant_any_scope(staff_client, okta_http):
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    body = {"label": "Admin-made registrar", "scopes": ["clients:register", "clients:manage", "hello:read"]}
    assert post_register(staff_client, body, **CSRF).status_code == 201


def test_malformed_scopes_are_a_400_before_the_grant_is_judged(bearer, okta_http):
    response = post_register(bearer("clients:register"), {"label": "Bad", "scopes": ["hello:read\x00"]})
    assert_error(response, 400, "invalid_request")
    response = post_register(bearer("clients:register"), {"label": "a\x1bb", "scopes": ["hello:read"]})
    assert_error(response, 400, "invalid_request")
    assert not provider_calls(okta_http)


@pytest.mark.parametrize("status", ["inactive", "deleted", "failed"])
def test_a_withdrawn_client_cannot_use_the_token_it_still_has(bearer, okta_http, status):
    RegisteredClient.objects.create(label="Registrar", client_id="registrar", provider="default", status=status)
    caller = bearer("clients:register", "clients:manage", "hello:read")
    for response in (post_register(caller), caller.get("/clients/"), caller.post("/clients/registrar/activate/")):
        assert_error(response, 401, "invalid_token")
        assert 'error="invalid_token"' in response["WWW-Authenticate"]
        assert "deactivated" in response.json()["error_description"]
    assert not provider_calls(okta_http)
    assert RegisteredClient.objects.get().status == status


def test_an_active_client_and_one_made_elsewhere_pass(bearer, okta_http):
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    RegisteredClient.objects.create(label="Registrar", client_id="registrar", provider="default", status="active")
    assert bearer("clients:manage").get("/clients/").status_code == 200
    assert bearer("clients:manage", client_id="made-at-the-provider").get("/clients/").status_code == 200
    assert post_register(bearer("clients:register", "hello:read")).status_code == 201


@pytest.mark.parametrize("header", ['"k1", "k2"', '"k1","k1"', "k1, k2", "k1,k1", '"k1"k2', 'k1"', '"k1'])
def test_a_repeated_idempotency_key_is_refused(staff_client, okta_http, header):
    response = post_register(staff_client, HTTP_IDEMPOTENCY_KEY=header, **CSRF)
    body = assert_error(response, 400, "invalid_request")
    assert "Idempotency-Key" in body["error_description"]
    assert not provider_calls(okta_http) and not RegisteredClient.objects.exists()


@pytest.mark.parametrize("header", ['"k1, k2"', '"say \\"hi\\""', "bare-key"])
def test_one_idempotency_key_with_a_comma_or_escapes_inside_quotes_is_one_key(staff_client, okta_http, header):
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    first = post_register(staff_client, HTTP_IDEMPOTENCY_KEY=header, **CSRF)
    again = post_register(staff_client, HTTP_IDEMPOTENCY_KEY=header, **CSRF)
    assert (first.status_code, again.status_code, again["Idempotent-Replayed"]) == (201, 201, "true")
    assert len(provider_calls(okta_http)) == 1


def test_records_that_cannot_be_read_fail_closed_with_a_503(bearer, okta_http, monkeypatch):
    def unavailable(*args, **kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(RegisteredClient.objects, "filter", unavailable)
    response = post_register(bearer("clients:register", "hello:read"))
    body = assert_error(response, 503, "temporarily_unavailable")
    assert "record could not be read" in body["error_description"]
    assert int(response["Retry-After"]) > 0
    assert not provider_calls(okta_http)
