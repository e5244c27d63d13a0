"""`DynamicRegistrationProvider` against RFC 7591/7592 endpoints, faked at the transport layer."""

import json

import pytest
import requests

from registration.exceptions import (
    ProviderAuthenticationError,
    ProviderNotFound,
    ProviderNotSupported,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
    ProviderValidationError,
)
from registration.providers import ClientRef, get_provider
from registration.providers.dynamic import DynamicRegistrationProvider

from ..conftest import API_TOKEN, DCR_ENDPOINT

URI = f"{DCR_ENDPOINT}/dcr-client-1"
RAT = "registration-access-token-" + "r" * 20


def registered(**overrides) -> dict:
    return {
        "client_id": "dcr-client-1",
        "client_secret": "x" * 48,
        "client_name": "Awesome App",
        "grant_types": ["client_credentials"],
        "scope": "hello:read",
        "registration_client_uri": URI,
        "registration_access_token": RAT,
        **overrides,
    }


@pytest.fixture
def dcr(okta_http) -> DynamicRegistrationProvider:
    return get_provider("dynamic")


@pytest.fixture
def ref() -> ClientRef:
    return ClientRef("dcr-client-1", "dcr-client-1", {"registration_client_uri": URI, "registration_access_token": RAT})


def test_create_with_the_initial_access_token(dcr, okta_http):
    okta_http.post(DCR_ENDPOINT, json=registered(), status=201)
    created = dcr.create(label="Awesome App", scopes=["hello:read", "clients:register"])
    request = okta_http.calls[0].request
    assert request.headers["Authorization"] == f"Bearer {API_TOKEN}"
    assert json.loads(request.body) == {
        "client_name": "Awesome App",
        "grant_types": ["client_credentials"],
        "response_types": [],
        "application_type": "service",
        "token_endpoint_auth_method": "client_secret_basic",
        "scope": "hello:read clients:register",
    }
    assert request.req_kwargs["timeout"] == (3.05, 10.0)
    assert created.client_id == "dcr-client-1" and created.client_secret == "x" * 48
    assert created.credential == {"registration_client_uri": URI, "registration_access_token": RAT}
    assert RAT not in repr(created) and "x" * 48 not in repr(created)


def test_open_registration_sends_no_authorization(dcr, okta_http, settings):
    settings.REGISTRATION_PROVIDERS = {
        "dynamic": {
            "BACKEND": "registration.providers.dynamic.DynamicRegistrationProvider",
            "OPTIONS": {"INITIAL_ACCESS_TOKEN": "", "REGISTRATION_ENDPOINT": DCR_ENDPOINT},
        }
    }
    okta_http.post(DCR_ENDPOINT, json=registered(), status=201)
    get_provider("dynamic").create(label="App", scopes=["hello:read"])
    assert "Authorization" not in okta_http.calls[0].request.headers


def test_get_keeps_a_rotated_registration_access_token(dcr, okta_http, ref):
    okta_http.get(URI, json=registered(registration_access_token="rotated-token"))
    client = dcr.get(ref)
    assert okta_http.calls[0].request.headers["Authorization"] == f"Bearer {RAT}"
    assert client.credential == {"registration_client_uri": URI, "registration_access_token": "rotated-token"}
    assert client.status == "ACTIVE" and client.scopes == ["hello:read"]


def test_get_without_rotation_keeps_the_credential(dcr, okta_http, ref):
    okta_http.get(URI, json=registered())
    assert dcr.get(ref).credential is None


def test_delete_uses_the_client_configuration_endpoint(dcr, okta_http, ref):
    okta_http.delete(URI, status=204)
    dcr.delete(ref)
    assert okta_http.calls[0].request.headers["Authorization"] == f"Bearer {RAT}"


@pytest.mark.parametrize("status", [401, 404])
def test_unknown_client_at_management(dcr, okta_http, ref, status):
    # RFC 7592 §2.1: an unknown client (or a revoked token) gets 401.
    okta_http.delete(URI, status=status, json={"error": "invalid_token"})
    with pytest.raises(ProviderNotFound):
        dcr.delete(ref)


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (400, {"error": "invalid_client_metadata", "error_description": "scope: unknown scope 'x'."},
         ProviderValidationError, "invalid_client_metadata: scope: unknown scope 'x'."),
        (401, {"error": "invalid_token"}, ProviderAuthenticationError, "check TOKEN"),
        (403, {"errorCode": "E0000006", "errorSummary": "No permission"}, ProviderAuthenticationError, "No permission"),
        (500, {"error": "server_error"}, ProviderUnavailable, "HTTP 500"),
    ],
)  # fmt: skip
def test_registration_errors(dcr, okta_http, status, body, error, message):
    okta_http.post(DCR_ENDPOINT, json=body, status=status)
    with pytest.raises(error, match=message.replace("(", r"\(").replace(")", r"\)")):
        dcr.create(label="App", scopes=["x"])


def test_rate_limit_on_registration(dcr, okta_http):
    okta_http.post(DCR_ENDPOINT, status=429, headers={"Retry-After": "30"}, json={})
    with pytest.raises(ProviderRateLimited) as info:
        dcr.create(label="App", scopes=["hello:read"])
    assert info.value.retry_after == 30


@pytest.mark.parametrize(
    ("body", "exception"),
    [(requests.ReadTimeout("slow"), ProviderTimeout), ("not json", ProviderUnavailable)],
)
def test_ambiguous_registration_outcomes(dcr, okta_http, body, exception):
    okta_http.post(DCR_ENDPOINT, body=body, status=201)
    with pytest.raises(exception) as info:
        dcr.create(label="App", scopes=["hello:read"])
    assert info.value.maybe_created


def test_registration_without_a_secret(dcr, okta_http):
    okta_http.post(DCR_ENDPOINT, json=registered(client_secret=None), status=201)
    with pytest.raises(ProviderUnavailable, match="client_secret") as info:
        dcr.create(label="App", scopes=["hello:read"])
    assert info.value.maybe_created


def test_registration_uri_on_another_origin_is_refused(dcr, okta_http):
    okta_http.post(DCR_ENDPOINT, json=registered(registration_client_uri="https://evil.test/c/1"), status=201)
    with pytest.raises(ProviderUnavailable, match="another origin"):
        dcr.create(label="App", scopes=["hello:read"])


def test_no_management_without_a_credential(dcr, okta_http):
    okta_http.post(DCR_ENDPOINT, json=registered(registration_access_token=None), status=201)
    created = dcr.create(label="App", scopes=["hello:read"])
    assert created.credential is None
    with pytest.raises(ProviderNotSupported, match="no RFC 7592 management"):
        dcr.delete(ClientRef(created.client_id, created.reference, None))


@pytest.mark.parametrize("operation", ["deactivate", "activate"])
def test_no_lifecycle_and_no_listing(dcr, ref, operation):
    assert not dcr.supports_lifecycle and not dcr.supports_list
    with pytest.raises(ProviderNotSupported):
        getattr(dcr, operation)(ref)
    with pytest.raises(ProviderNotSupported):
        list(dcr.list())


# -- keys by RFC 7592 §2.2 update, and a configuration endpoint that answers out of shape --

KEY_1 = {"kty": "RSA", "kid": "k1", "n": "abc", "e": "AQAB"}
KEY_2 = {"kty": "RSA", "kid": "k2", "n": "def", "e": "AQAB"}


def keyless(**overrides) -> dict:
    """A private_key_jwt client's configuration (no secret, its keys in `jwks`)."""
    fields = {"client_secret": None, "token_endpoint_auth_method": "private_key_jwt", "jwks": {"keys": [KEY_1]}}
    return registered(**{**fields, **overrides})


@pytest.mark.parametrize("body", [["dcr-client-1"], {"client_name": "No id"}, {"client_id": ""}])
def test_a_configuration_that_is_not_a_client_is_refused(dcr, okta_http, ref, body):
    okta_http.get(URI, json=body)
    with pytest.raises(ProviderUnavailable, match="not a client"):
        dcr.get(ref)
    with pytest.raises(ProviderUnavailable, match="not a client"):
        dcr.list_keys(ref)


def test_keys_are_read_from_the_configuration_and_malformed_entries_skipped(dcr, okta_http, ref):
    okta_http.get(URI, json=keyless(jwks={"keys": [KEY_1, {"kty": "RSA"}, "k9"]}))
    assert [key.kid for key in dcr.list_keys(ref)] == ["k1"]
    okta_http.replace("GET", URI, json=registered())  # a client with a secret has no jwks
    assert dcr.list_keys(ref) == []


def test_adding_a_key_puts_the_whole_registration_back_with_it(dcr, okta_http, ref):
    okta_http.get(URI, json=keyless(registration_access_token="rotated-on-read", client_id_issued_at=1))
    okta_http.put(URI, json=keyless(jwks={"keys": [KEY_1, KEY_2]}, registration_access_token="rotated-on-put"))
    key = dcr.add_key(ref, KEY_2)
    put = json.loads(okta_http.calls[1].request.body)
    assert put["jwks"] == {"keys": [KEY_1, KEY_2]} and put["client_id"] == "dcr-client-1"
    # RFC 7592 §2.2: what the server issues is never sent back.
    assert not {"registration_access_token", "registration_client_uri", "client_id_issued_at"} & set(put)
    assert "client_secret" not in put  # the configuration's null is not sent back
    assert okta_http.calls[1].request.headers["Authorization"] == "Bearer rotated-on-read"
    assert (key.kid, key.credential["registration_access_token"]) == ("k2", "rotated-on-put")


def test_a_key_id_already_there_is_refused_before_any_update(dcr, okta_http, ref):
    okta_http.get(URI, json=keyless())
    with pytest.raises(ProviderValidationError, match="already has a key with kid 'k1'"):
        dcr.add_key(ref, {**KEY_2, "kid": "k1"})
    assert [call.request.method for call in okta_http.calls] == ["GET"]


def test_removing_keys(dcr, okta_http, ref):
    okta_http.get(URI, json=keyless(jwks={"keys": [KEY_1, KEY_2]}))
    okta_http.put(URI, json=keyless())
    assert dcr.delete_key(ref, "k2")["registration_access_token"] == RAT
    assert json.loads(okta_http.calls[1].request.body)["jwks"] == {"keys": [KEY_1]}
    okta_http.replace("GET", URI, json=keyless())
    with pytest.raises(ProviderNotFound, match="no key with kid 'k9'"):
        dcr.delete_key(ref, "k9")
    with pytest.raises(ProviderValidationError, match="last key cannot be removed"):
        dcr.delete_key(ref, "k1")
    assert [call.request.method for call in okta_http.calls].count("PUT") == 1


def test_an_error_answer_that_is_not_json_is_still_a_clear_error(dcr, okta_http):
    okta_http.post(DCR_ENDPOINT, body="<html>Bad Gateway</html>", status=502)
    with pytest.raises(ProviderUnavailable, match="HTTP 502") as info:
        dcr.create(label="App", scopes=["hello:read"])
    assert "<html>" not in info.value.message
