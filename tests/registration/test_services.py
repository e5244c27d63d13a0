"""`register_client` and the lifecycle services: the database follows the provider, never leads it."""

import json

import pytest
import requests
from django.db import DatabaseError, OperationalError
from django.utils import timezone

from conftest import ISSUER
from registration import services
from registration.exceptions import (
    DatabaseFailure,
    IdempotencyConflict,
    InvalidRegistration,
    InvalidState,
    ProviderNotSupported,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
    ProviderValidationError,
)
from registration.models import RegisteredClient

from .conftest import ORG, okta_app, okta_error, provider_calls

APPS = f"{ORG}/api/v1/apps"
SECRET = "secret-" + "s" * 57
Status = RegisteredClient.Status


def register(**overrides):
    return services.register_client(
        **{"label": "Awesome App", "scopes": ["hello:read"], "creator": "user:t", **overrides}
    )


def only_row() -> RegisteredClient:
    (row,) = RegisteredClient.objects.all()
    return row


def test_register_records_the_client_without_its_secret(okta_http):
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    registration = register()
    assert registration.as_response() == {
        "client_id": "0oaapp1",
        "client_secret": SECRET,
        "label": "Awesome App",
        "scopes": ["hello:read"],
        "request_token_url": "https://issuer.test/oauth2/default/v1/token",
    }
    row = only_row()
    assert (row.status, row.client_id, row.provider, row.provider_reference) == (
        "active",
        "0oaapp1",
        "default",
        "0oaapp1",
    )
    assert row.provider_credential == "" and row.creator == "user:t"
    assert SECRET not in repr(RegisteredClient.objects.values())


def test_the_row_is_pending_while_the_provider_works(okta_http):
    seen = []

    def callback(request):
        seen.append(only_row().status)
        return 200, {}, json.dumps(okta_app(secret=SECRET))

    okta_http.add_callback("POST", APPS, callback=callback)
    register()
    assert seen == ["pending"] and only_row().status == "active"


def test_token_url_setting(okta_http, settings):
    settings.REGISTRATION = {**settings.REGISTRATION, "TOKEN_URL": "https://idp.test/oauth2/aus1/v1/token"}
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    assert register().token_url == "https://idp.test/oauth2/aus1/v1/token"


@pytest.mark.parametrize(
    ("label", "scopes", "message"),
    [
        ("", ["hello:read"], "label"),
        ("x" * 101, ["hello:read"], "at most 100"),
        ("bad\nlabel", ["hello:read"], "control characters"),
        ("App", [], "at least one scope"),
        ("App", ["hello read"], "not a valid scope"),
        ("App", ['quote"d'], "not a valid scope"),
    ],
)
def test_invalid_requests_never_reach_the_provider(okta_http, label, scopes, message):
    with pytest.raises(InvalidRegistration, match=message):
        register(label=label, scopes=scopes)
    assert not okta_http.calls and not RegisteredClient.objects.exists()


@pytest.mark.parametrize(
    ("response", "error"),
    [
        ({"json": okta_error("E0000009", "Internal Server Error"), "status": 500}, ProviderUnavailable),
        ({"json": okta_error("E0000047", "rate limit"), "status": 429, "headers": {"Retry-After": "60"}},
         ProviderRateLimited),
    ],
)  # fmt: skip
def test_provider_failure_leaves_a_failed_row_and_no_client(okta_http, response, error):
    okta_http.post(APPS, **response)
    okta_http.get(APPS, json=[])  # the search after an ambiguous failure finds nothing
    with pytest.raises(error):
        register()
    row = only_row()
    assert row.status == "failed" and row.client_id is None and row.last_error
    assert not RegisteredClient.objects.filter(status="active").exists()


def test_request_the_provider_refuses_leaves_no_row(okta_http):
    okta_http.post(APPS, json=okta_error("E0000001", "Api validation failed: profile.scopes"), status=400)
    with pytest.raises(ProviderValidationError):
        register()
    assert not RegisteredClient.objects.exists()
    assert len(okta_http.calls) == 1  # nothing was created, so nothing is searched for


def test_database_down_before_the_provider_is_asked(okta_http, monkeypatch):
    def unavailable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(RegisteredClient.objects, "create", unavailable)
    with pytest.raises(DatabaseFailure, match="nothing was created"):
        register()
    assert not okta_http.calls


def test_timeout_removes_the_client_the_provider_made_unseen(okta_http):
    okta_http.post(APPS, body=requests.ReadTimeout("slow"))
    # The provider did create it: the service finds it by label and removes it.
    now = timezone.now().strftime("%Y-%m-%dT%H:%M:%S.000Z")
    okta_http.get(
        APPS,
        json=[
            okta_app("0oaunseen", label="Awesome App", created=now),
            okta_app("0oaother", label="Awesome App 2", created=now),  # another label
            okta_app("0oaolder", label="Awesome App"),  # made long before this registration
        ],
    )
    okta_http.post(f"{APPS}/0oaunseen/lifecycle/deactivate", json={})
    okta_http.delete(f"{APPS}/0oaunseen", status=204)
    with pytest.raises(ProviderTimeout):
        register()
    row = only_row()
    assert row.status == "failed" and "1 unseen client(s) removed" in row.last_error
    assert [c.request.method for c in okta_http.calls] == ["POST", "GET", "POST", "DELETE"]
    assert okta_http.calls[1].request.params == {"limit": "200", "filter": 'name eq "oidc_client"', "q": "Awesome App"}


def test_timeout_with_an_unreachable_provider_leaves_the_row_pending(okta_http):
    okta_http.post(APPS, body=requests.ReadTimeout("slow"))
    okta_http.get(APPS, body=requests.ConnectionError("down"))
    with pytest.raises(ProviderTimeout):
        register()
    row = only_row()
    assert row.status == "pending" and "sync_clients" in row.last_error


def test_timeout_does_not_touch_a_concurrent_registration_of_the_same_label(okta_http):
    RegisteredClient.objects.create(label="Awesome App", provider="default", scopes=["hello:read"])
    okta_http.post(APPS, body=requests.ReadTimeout("slow"))
    with pytest.raises(ProviderTimeout):
        register()
    assert len(okta_http.calls) == 1  # no search, no delete: left for sync_clients
    assert set(RegisteredClient.objects.values_list("status", flat=True)) == {"pending"}


def test_malformed_json_is_handled_like_a_timeout(okta_http):
    okta_http.post(APPS, body="{oops", content_type="application/json")
    okta_http.get(APPS, json=[])
    with pytest.raises(ProviderUnavailable, match="not valid JSON"):
        register()
    assert only_row().status == "failed"


def test_database_failure_after_the_provider_removes_the_client_again(okta_http, monkeypatch):
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", json={})
    okta_http.delete(f"{APPS}/0oaapp1", status=204)
    original = RegisteredClient.save

    def failing_save(self, *args, **kwargs):
        if self.status == Status.ACTIVE:
            raise DatabaseError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RegisteredClient, "save", failing_save)
    with pytest.raises(DatabaseFailure, match="removed at the provider again"):
        register()
    assert [(c.request.method, c.request.url) for c in okta_http.calls] == [
        ("POST", f"{APPS}?activate=true"),
        ("POST", f"{APPS}/0oaapp1/lifecycle/deactivate"),
        ("DELETE", f"{APPS}/0oaapp1"),
    ]
    row = only_row()
    assert row.status == "failed" and row.client_id is None and "DatabaseError" in row.last_error


def test_database_failure_and_failed_compensation_is_reported(okta_http, monkeypatch, caplog):
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", status=503, json={})
    original = RegisteredClient.save

    def failing_save(self, *args, **kwargs):
        if self.status == Status.ACTIVE:
            raise DatabaseError("gone")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RegisteredClient, "save", failing_save)
    with pytest.raises(DatabaseFailure, match="0oaapp1 must be removed"):
        register()
    assert "sync_clients" in caplog.text and SECRET not in caplog.text
    assert only_row().status == "pending"  # sync_clients will find the client by label and remove it


class TestIdempotency:
    def test_a_retry_returns_the_first_result(self, okta_http):
        okta_http.post(APPS, json=okta_app(secret=SECRET))
        first = register(idempotency_key="key-1")
        again = register(idempotency_key="key-1")
        assert again.replayed and again.as_response() == first.as_response()
        assert len(provider_calls(okta_http)) == 1 and RegisteredClient.objects.count() == 1

    def test_keys_are_per_requester(self, okta_http):
        okta_http.post(APPS, json=okta_app(secret=SECRET))
        okta_http.post(APPS, json=okta_app("0oaapp2", secret=SECRET))
        register(idempotency_key="key-1")
        assert not register(idempotency_key="key-1", creator="user:other").replayed
        assert RegisteredClient.objects.count() == 2

    def test_the_same_key_for_another_request_is_refused(self, okta_http):
        okta_http.post(APPS, json=okta_app(secret=SECRET))
        register(idempotency_key="key-1")
        with pytest.raises(IdempotencyConflict, match="different registration") as info:
            register(idempotency_key="key-1", label="Other App")
        assert not info.value.in_flight

    def test_a_key_in_flight_is_a_conflict(self):
        RegisteredClient.objects.create(
            label="Awesome App",
            provider="default",
            scopes=["hello:read"],
            idempotency_key=services._digest("user:t", "key-1"),
            request_fingerprint=services._digest("Awesome App", "hello:read", "default"),
        )
        with pytest.raises(IdempotencyConflict, match="in progress") as info:
            register(idempotency_key="key-1")
        assert info.value.in_flight

    def test_a_failed_attempt_releases_the_key(self, okta_http):
        okta_http.post(APPS, json=okta_error("E0000001", "Api validation failed"), status=400)
        with pytest.raises(ProviderValidationError):
            register(idempotency_key="key-1")
        okta_http.replace("POST", APPS, json=okta_app(secret=SECRET))
        assert register(idempotency_key="key-1").client_secret == SECRET

    def test_after_the_replay_window_the_secret_is_gone(self, okta_http, settings):
        settings.REGISTRATION = {**settings.REGISTRATION, "IDEMPOTENCY_TTL": 0}
        okta_http.post(APPS, json=okta_app(secret=SECRET))
        register(idempotency_key="key-1")
        with pytest.raises(IdempotencyConflict, match="shown once"):
            register(idempotency_key="key-1")
        assert len(provider_calls(okta_http)) == 1

    def test_a_replay_the_current_keys_cannot_decrypt_is_a_conflict_not_a_secret(self, okta_http, settings):
        """The replay was stored under an encryption key since removed: nothing is decrypted, nothing re-sent."""
        okta_http.post(APPS, json=okta_app(secret=SECRET))
        from django.core.cache import cache

        register(idempotency_key="key-1")
        assert cache.get(services._replay_cache_key(services._digest("user:t", "key-1")))  # still kept
        settings.REGISTRATION = {**settings.REGISTRATION, "ENCRYPTION_KEYS": ["a-new-key-" + "k" * 40]}
        with pytest.raises(IdempotencyConflict, match="shown once") as info:
            register(idempotency_key="key-1")
        assert not info.value.in_flight and SECRET not in str(info.value)
        assert len(provider_calls(okta_http)) == 1

    def test_a_key_released_between_the_insert_and_the_lookup_asks_for_a_retry(self):
        # The first attempt's insert held the key, then failed and released it before the replay looked.
        with pytest.raises(IdempotencyConflict, match="just failed; retry") as info:
            services._replay(services._digest("user:t", "key-gone"), "fingerprint")
        assert info.value.in_flight

    def test_the_replay_is_encrypted_in_the_cache(self, okta_http):
        from django.core.cache import cache

        okta_http.post(APPS, json=okta_app(secret=SECRET))
        register(idempotency_key="key-1")
        stored = cache.get(services._replay_cache_key(services._digest("user:t", "key-1")))
        assert stored and SECRET not in stored


@pytest.fixture
def active_row() -> RegisteredClient:
    return RegisteredClient.objects.create(
        label="App", client_id="0oaapp1", provider_reference="0oaapp1", provider="default", status="active"
    )


def test_deactivate_and_activate_follow_the_provider(okta_http, active_row):
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", json={})
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/activate", json={})
    assert services.deactivate_client(client=active_row).status == "inactive"
    assert services.activate_client(client=active_row).status == "active"


def test_the_row_does_not_change_when_the_provider_fails(okta_http, active_row):
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", status=500, json={})
    with pytest.raises(ProviderUnavailable):
        services.deactivate_client(client=active_row)
    active_row.refresh_from_db()
    assert active_row.status == "active"


def test_delete_marks_the_row_deleted(okta_http, active_row):
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", json={})
    okta_http.delete(f"{APPS}/0oaapp1", status=204)
    assert services.delete_client(client=active_row).status == "deleted"


def test_delete_of_a_client_already_gone_at_the_provider(okta_http, active_row):
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", status=404, json=okta_error("E0000007", "Not found"))
    assert services.delete_client(client=active_row).status == "deleted"


@pytest.mark.parametrize("status", ["pending", "deleted"])
def test_lifecycle_needs_a_live_client(okta_http, active_row, status):
    active_row.status = status
    with pytest.raises(InvalidState):
        services.deactivate_client(client=active_row)
    assert not okta_http.calls


def test_lifecycle_at_a_provider_without_it(okta_http, active_row):
    active_row.provider = "dynamic"
    with pytest.raises(ProviderNotSupported):
        services.deactivate_client(client=active_row)
    active_row.refresh_from_db()
    assert active_row.status == "active"


def test_the_token_url_is_the_one_the_issuers_metadata_names(okta_http):
    okta_http.replace(
        "GET",
        "https://issuer.test/.well-known/oauth-authorization-server/oauth2/default",
        json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/v1/keys", "token_endpoint": "https://issuer.test/connect/token"},
    )
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    assert register().token_url == "https://issuer.test/connect/token"


def test_the_token_endpoint_setting_is_the_token_url(okta_http, settings):
    settings.API_AUTH = {**settings.API_AUTH, "TOKEN_ENDPOINT": "https://sso.test/token"}
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    assert register().token_url == "https://sso.test/token"
