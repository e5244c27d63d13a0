"""`OktaProvider` against Okta's Apps API, faked at the transport layer."""

import json
import re

import pytest
import requests
import responses

from registration.exceptions import (
    ProviderAuthenticationError,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
    ProviderValidationError,
)
from registration.providers import ClientRef, get_provider
from registration.providers.okta import OktaProvider

from ..conftest import API_TOKEN, ORG, okta_app, okta_error

APPS = f"{ORG}/api/v1/apps"
SECRET = "s" * 64


@pytest.fixture
def okta(okta_http) -> OktaProvider:
    provider = get_provider("default")
    assert isinstance(provider, OktaProvider)
    return provider


def test_create_sends_the_service_app_body_with_ssws(okta, okta_http):
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    created = okta.create(label="Awesome App", scopes=["hello:read"])
    request = okta_http.calls[0].request
    assert request.headers["Authorization"] == f"SSWS {API_TOKEN}"
    assert request.headers["Accept"] == "application/json"
    assert request.url == f"{APPS}?activate=true"
    assert json.loads(request.body) == {
        "name": "oidc_client",
        "label": "Awesome App",
        "signOnMode": "OPENID_CONNECT",
        "credentials": {"oauthClient": {"token_endpoint_auth_method": "client_secret_basic"}},
        "settings": {"oauthClient": {"grant_types": ["client_credentials"], "application_type": "service"}},
        "profile": {"scopes": ["hello:read"]},
    }
    assert (created.client_id, created.reference, created.client_secret) == ("0oaapp1", "0oaapp1", SECRET)
    assert created.status == "ACTIVE" and created.scopes == ["hello:read"]
    assert created.created.isoformat() == "2026-01-21T14:11:24+00:00"
    assert SECRET not in repr(created)


def test_every_call_has_a_timeout(okta, okta_http):
    okta_http.get(f"{APPS}/0oaapp1", json=okta_app())
    okta.get(ClientRef("0oaapp1", "0oaapp1"))
    assert okta_http.calls[0].request.req_kwargs["timeout"] == (3.05, 10.0)


def test_get_list_and_lifecycle(okta, okta_http):
    ref = ClientRef("0oaapp1", "0oaapp1")
    okta_http.get(f"{APPS}/0oaapp1", json=okta_app(status="INACTIVE"))
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", json={})
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/activate", json={})
    assert okta.get(ref).status == "INACTIVE"
    okta.deactivate(ref)
    okta.activate(ref)
    assert [call.request.url for call in okta_http.calls[1:]] == [
        f"{APPS}/0oaapp1/lifecycle/deactivate",
        f"{APPS}/0oaapp1/lifecycle/activate",
    ]


def test_delete_deactivates_first(okta, okta_http):
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", json={})
    okta_http.delete(f"{APPS}/0oaapp1", status=204)
    okta.delete(ClientRef("0oaapp1", "0oaapp1"))
    assert [(c.request.method, c.request.url) for c in okta_http.calls] == [
        ("POST", f"{APPS}/0oaapp1/lifecycle/deactivate"),
        ("DELETE", f"{APPS}/0oaapp1"),
    ]


def test_list_follows_link_pagination(okta, okta_http):
    page2 = f"{APPS}?after=0oaapp2&limit=200"
    okta_http.get(
        APPS,
        json=[okta_app("0oaapp1"), okta_app("0oaapp2")],
        headers={"Link": f'<{APPS}?limit=200>; rel="self", <{page2}>; rel="next"'},
        match=[responses.matchers.query_param_matcher({"limit": "200", "filter": 'name eq "oidc_client"', "q": "Aw"})],
    )
    okta_http.get(
        page2,
        json=[okta_app("0oaapp3")],
        match=[responses.matchers.query_param_matcher({"after": "0oaapp2"}, strict_match=False)],
    )
    assert [client.client_id for client in okta.list(label_prefix="Aw")] == ["0oaapp1", "0oaapp2", "0oaapp3"]
    assert all(call.request.headers["Authorization"] == f"SSWS {API_TOKEN}" for call in okta_http.calls)


def test_next_link_to_another_origin_is_not_followed(okta, okta_http):
    okta_http.get(APPS, json=[okta_app()], headers={"Link": '<https://evil.test/api/v1/apps?after=x>; rel="next"'})
    with pytest.raises(ProviderUnavailable, match="another origin"):
        list(okta.list())
    assert len(okta_http.calls) == 1  # the SSWS token never went to evil.test


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (400, okta_error("E0000001", "Api validation failed: label", ["label: The field cannot be left blank."]),
         ProviderValidationError, "Api validation failed: label (label: The field cannot be left blank.) [E0000001"),
        (401, okta_error("E0000011", "Invalid token provided"), ProviderAuthenticationError, "check TOKEN"),
        (403, okta_error("E0000006", "You do not have permission"), ProviderAuthenticationError, "check TOKEN"),
        (404, okta_error("E0000007", "Not found: Resource not found: x (AppInstance)"), ProviderNotFound, "E0000007"),
        (500, okta_error("E0000009", "Internal Server Error"), ProviderUnavailable, "HTTP 500"),
        (503, None, ProviderUnavailable, "HTTP 503"),
        (400, None, ProviderValidationError, "without an Okta error object"),
    ],
)  # fmt: skip
def test_okta_errors_become_clear_messages(okta, okta_http, status, body, error, message):
    okta_http.post(APPS, json=body, status=status) if body else okta_http.post(APPS, body="oops", status=status)
    with pytest.raises(error, match=re.escape(message)) as info:
        okta.create(label="App", scopes=["hello:read"])
    assert API_TOKEN not in info.value.message


def test_missing_token_is_a_clear_error(okta_http, settings):
    settings.TOKEN = ""
    with pytest.raises(ProviderAuthenticationError, match="set TOKEN"):
        get_provider().get(ClientRef("0oaapp1", "0oaapp1"))
    assert not okta_http.calls


def test_429_is_retried_after_the_reset(okta, okta_http, monkeypatch):
    slept = []
    monkeypatch.setattr(okta.http, "timer", lambda: 1000.0)
    monkeypatch.setattr(okta.http, "sleep", slept.append)
    monkeypatch.setattr(okta.http, "max_wait", 10)
    limited = {"X-Rate-Limit-Limit": "100", "X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "1003"}
    okta_http.post(APPS, json=okta_error("E0000047", "API call exceeded rate limit"), status=429, headers=limited)
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    assert okta.create(label="App", scopes=["hello:read"]).client_secret == SECRET
    assert slept == [3.0]
    assert len(okta_http.calls) == 2


def test_429_retries_are_bounded(okta, okta_http, monkeypatch):
    slept = []
    monkeypatch.setattr(okta.http, "timer", lambda: 1000.0)
    monkeypatch.setattr(okta.http, "sleep", slept.append)
    monkeypatch.setattr(okta.http, "max_wait", 10)
    headers = {"X-Rate-Limit-Reset": "1002"}
    okta_http.post(APPS, json=okta_error("E0000047", "API call exceeded rate limit"), status=429, headers=headers)
    with pytest.raises(ProviderRateLimited) as info:
        okta.create(label="App", scopes=["hello:read"])
    assert info.value.retry_after == 2 and not info.value.maybe_created
    assert len(okta_http.calls) == 3 and slept == [2.0, 2.0]


def test_429_with_a_long_reset_fails_at_once(okta, okta_http, monkeypatch):
    monkeypatch.setattr(okta.http, "timer", lambda: 1000.0)
    monkeypatch.setattr(okta.http, "sleep", lambda seconds: pytest.fail("must not sleep"))
    okta_http.post(APPS, status=429, headers={"X-Rate-Limit-Reset": "1042"}, json={})
    with pytest.raises(ProviderRateLimited, match="resets in 42s") as info:
        okta.create(label="App", scopes=["hello:read"])
    assert info.value.retry_after == 42 and len(okta_http.calls) == 1


def test_429_without_reset_uses_retry_after(okta, okta_http, monkeypatch):
    monkeypatch.setattr(okta.http, "max_wait", 0)
    okta_http.post(APPS, status=429, headers={"Retry-After": "7"}, json={})
    with pytest.raises(ProviderRateLimited) as info:
        okta.create(label="App", scopes=["hello:read"])
    assert info.value.retry_after == 7


@pytest.mark.parametrize("exception", [requests.ReadTimeout, requests.ConnectTimeout])
def test_timeout_on_create_is_ambiguous(okta, okta_http, exception):
    okta_http.post(APPS, body=exception("slow"))
    with pytest.raises(ProviderTimeout) as info:
        okta.create(label="App", scopes=["hello:read"])
    assert info.value.maybe_created


def test_connection_error_is_unavailable(okta, okta_http):
    okta_http.get(f"{APPS}/0oaapp1", body=requests.ConnectionError("refused"))
    with pytest.raises(ProviderUnavailable, match="could not be reached"):
        okta.get(ClientRef("0oaapp1", "0oaapp1"))


@pytest.mark.parametrize("body", ["{not json", "[]", '{"id": "0oaapp1", "credentials": {}}'])
def test_malformed_create_response(okta, okta_http, body):
    okta_http.post(APPS, body=body, content_type="application/json")
    # A readable id means the app is removed again at once; otherwise the service must search for it.
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", json={})
    okta_http.delete(f"{APPS}/0oaapp1", status=204)
    with pytest.raises(ProviderUnavailable) as info:
        okta.create(label="App", scopes=["hello:read"])
    has_id = "0oaapp1" in body
    assert info.value.maybe_created is not has_id
    assert [c.request.method for c in okta_http.calls] == (["POST", "POST", "DELETE"] if has_id else ["POST"])


def test_redirects_are_not_followed(okta, okta_http):
    okta_http.get(f"{APPS}/0oaapp1", status=302, headers={"Location": "https://evil.test/steal"})
    with pytest.raises(ProviderUnavailable, match="redirect"):
        okta.get(ClientRef("0oaapp1", "0oaapp1"))
    assert len(okta_http.calls) == 1


def test_oversized_response_is_refused(okta, okta_http, monkeypatch):
    monkeypatch.setattr(okta.http, "max_bytes", 100)
    okta_http.get(APPS, json=[okta_app()] * 5)
    with pytest.raises(ProviderUnavailable, match="more than 100 bytes"):
        list(okta.list())


# -- a provider that answers in a shape it should not: every read fails closed, naming what was wrong --

REF = ClientRef("0oaapp1", "0oaapp1")
CREDENTIALS = f"{APPS}/0oaapp1/credentials"


@pytest.mark.parametrize(
    ("method", "url", "body", "call", "message"),
    [
        ("GET", APPS, {"not": "a list"}, lambda okta: list(okta.list()), "application list is not a JSON array"),
        ("GET", f"{APPS}/0oaapp1", {"label": "No id"}, lambda okta: okta.get(REF), "application without an id"),
        ("GET", f"{CREDENTIALS}/secrets", {"id": "ocs1"}, lambda okta: okta.list_secrets(REF), "secret list is not"),
        ("GET", f"{CREDENTIALS}/secrets", [{"status": "ACTIVE"}], lambda okta: okta.list_secrets(REF), "without an"),
        ("GET", f"{CREDENTIALS}/jwks", "keys", lambda okta: okta.list_keys(REF), "key list is not a JSON array"),
        ("GET", f"{CREDENTIALS}/jwks", [["k1"]], lambda okta: okta.list_keys(REF), "key without an id"),
        ("POST", f"{CREDENTIALS}/secrets", {"id": "ocs2"}, lambda okta: okta.create_secret(REF), "lacks the client"),
        ("POST", f"{CREDENTIALS}/jwks", {"kid": "k2"}, lambda okta: okta.add_key(REF, {"kid": "k2"}), "key without"),
    ],
)  # fmt: skip
def test_a_malformed_answer_is_refused_with_what_was_wrong(okta, okta_http, method, url, body, call, message):
    okta_http.add(method, url, json=body)
    with pytest.raises(ProviderUnavailable, match=message) as info:
        call(okta)
    assert API_TOKEN not in info.value.message


def test_a_list_longer_than_max_pages_is_refused_not_followed_forever(okta, okta_http):
    okta.max_pages = 3
    okta_http.get(
        re.compile(rf"{re.escape(APPS)}.*"), json=[okta_app()], headers={"Link": f'<{APPS}?after=x>; rel="next"'}
    )
    with pytest.raises(ProviderUnavailable, match="more than 3 pages"):
        list(okta.list())
    assert len(okta_http.calls) == 3


def test_a_malformed_create_whose_removal_fails_stays_flagged_for_the_search(okta, okta_http):
    okta_http.post(APPS, json={"id": "0oaapp1", "credentials": {}})  # no secret: useless, removed at once
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", json=okta_error("E0000009", "down"), status=500)
    with pytest.raises(ProviderUnavailable) as info:
        okta.create(label="App", scopes=["hello:read"])
    assert info.value.maybe_created  # sync_clients or the service's search removes it later
