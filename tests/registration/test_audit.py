"""The audit trail: one event per registration, lifecycle and credential action, whatever its outcome."""

import json
import logging
from datetime import timedelta
from io import StringIO
from unittest import mock

import pytest
import requests
from django.core.management import call_command
from django.db import DatabaseError, OperationalError
from django.utils import timezone

from registration import audit
from registration.audit import Actor, record
from registration.credentials import (
    add_client_key,
    create_client_secret,
    delete_client_secret,
    retire_client_key,
    retire_client_secret,
    retire_older_secrets,
    set_client_key_status,
    set_client_secret_status,
)
from registration.crypto import encrypt_json
from registration.exceptions import (
    DatabaseFailure,
    IdempotencyConflict,
    InvalidRegistration,
    InvalidState,
    ProviderNotFound,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
    ProviderValidationError,
)
from registration.models import AuditEvent, RegisteredClient
from registration.reconcile import sync_clients
from registration.services import activate_client, deactivate_client, delete_client, register_client
from tests.support.assertions import private_jwk, public_jwk, rsa_private_key

from .conftest import API_TOKEN, CSRF, DCR_ENDPOINT, ORG, okta_app, okta_error
from .test_credentials import keyless_app, okta_key

APPS = f"{ORG}/api/v1/apps"
SECRET = "secret-" + "s" * 57
NEW_SECRET = "second-secret-" + "n" * 50
STAFF = Actor(kind="staff", name="ops", address="203.0.113.7", request_id="req-audit-1")
Outcome = AuditEvent.Outcome


@pytest.fixture(scope="module")
def key():
    return rsa_private_key()


def register(**overrides):
    return register_client(
        **{"label": "Awesome App", "scopes": ["hello:read"], "creator": "user:ops", "actor": STAFF, **overrides}
    )


def trail() -> list[tuple[str, str, str, str]]:
    """Every event, oldest first: (action, outcome, reason, target)."""
    return list(AuditEvent.objects.order_by("id").values_list("action", "outcome", "reason", "target"))


def only_event() -> AuditEvent:
    (event,) = AuditEvent.objects.all()
    return event


@pytest.fixture
def client_row(okta_http) -> RegisteredClient:
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    row = register().client
    AuditEvent.objects.all().delete()
    return row


@pytest.fixture
def keyless_row(okta_http, key) -> RegisteredClient:
    okta_http.post(APPS, json=keyless_app())
    row = register(jwks={"keys": [public_jwk(key, "k1")]}).client
    AuditEvent.objects.all().delete()
    return row


# -- registration ------------------------------------------------------------------------------


def test_a_registration_records_who_what_when_and_from_where(okta_http):
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    before = timezone.now()
    register()
    event = only_event()
    assert (event.action, event.outcome, event.reason, event.target) == ("register", "succeeded", "", "0oaapp1")
    assert (event.actor_kind, event.actor, event.client_address, event.request_id) == (
        "staff",
        "ops",
        "203.0.113.7",
        "req-audit-1",
    )
    assert before <= event.created_at <= timezone.now()
    assert event.credential == ""


@pytest.mark.parametrize(
    ("response", "error", "reason"),
    [
        ({"json": okta_error("E0000009", "Internal Server Error"), "status": 500}, ProviderUnavailable,
         "provider_error"),
        ({"json": okta_error("E0000047", "rate limit"), "status": 429, "headers": {"Retry-After": "60"}},
         ProviderRateLimited, "provider_rate_limited"),
        ({"body": requests.ReadTimeout("slow")}, ProviderTimeout, "provider_timeout"),
        ({"body": "{oops", "content_type": "application/json"}, ProviderUnavailable, "provider_error"),
        ({"json": okta_error("E0000011", "Invalid token provided"), "status": 401}, Exception,
         "provider_credentials_rejected"),
    ],
)  # fmt: skip
def test_a_provider_fault_leaves_one_failed_event(okta_http, response, error, reason):
    okta_http.post(APPS, **response)
    okta_http.get(APPS, json=[])  # the search after an ambiguous failure finds nothing
    with pytest.raises(error):
        register()
    row = RegisteredClient.objects.get()
    assert trail() == [("register", "failed", reason, f"row {row.pk}")]


def test_the_provider_refusing_the_metadata_is_a_refused_event(okta_http):
    okta_http.post(APPS, json=okta_error("E0000001", "Api validation failed: profile.scopes"), status=400)
    with pytest.raises(ProviderValidationError):
        register()
    [(action, outcome, reason, target)] = trail()
    assert (action, outcome, reason) == ("register", "refused", "invalid_client_metadata")
    assert target.startswith("row ")  # the pending record it removed again


def test_invalid_input_is_a_refused_event_without_a_target(okta_http):
    with pytest.raises(InvalidRegistration):
        register(label="bad\x00label")
    assert trail() == [("register", "refused", "invalid_request", "")]


def test_database_down_before_the_provider(okta_http, monkeypatch):
    def unavailable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(RegisteredClient.objects, "create", unavailable)
    with pytest.raises(DatabaseFailure):
        register()
    assert trail() == [("register", "failed", "database_error", "")]


def test_database_failure_after_the_provider_names_the_client_removed_again(okta_http, monkeypatch):
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", json={})
    okta_http.delete(f"{APPS}/0oaapp1", status=204)
    original = RegisteredClient.save

    def failing_save(self, *args, **kwargs):
        if self.status == RegisteredClient.Status.ACTIVE:
            raise DatabaseError("disk full")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(RegisteredClient, "save", failing_save)
    with pytest.raises(DatabaseFailure):
        register()
    assert trail() == [("register", "failed", "database_error", "0oaapp1")]


def test_an_idempotent_replay_and_a_reused_key(okta_http):
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    register(idempotency_key="k-1")
    register(idempotency_key="k-1")
    with pytest.raises(IdempotencyConflict):
        register(idempotency_key="k-1", label="Another App")
    assert trail() == [
        ("register", "succeeded", "", "0oaapp1"),
        ("register", "succeeded", "replayed", "0oaapp1"),
        ("register", "refused", "idempotency_key_reused", ""),
    ]


def test_a_keyless_registration_names_its_keys_by_kid_and_thumbprint(okta_http, key):
    okta_http.post(APPS, json=keyless_app())
    jwk = public_jwk(key, "k1")
    register(jwks={"keys": [jwk]})
    event = only_event()
    assert event.credential.startswith("key (kid k1, jkt ") and event.outcome == "succeeded"
    assert jwk["n"] not in event.credential


# -- lifecycle ---------------------------------------------------------------------------------


LIFECYCLE = [
    (deactivate_client, "deactivate", "POST", f"{APPS}/0oaapp1/lifecycle/deactivate"),
    (activate_client, "activate", "POST", f"{APPS}/0oaapp1/lifecycle/activate"),
    (delete_client, "delete", "DELETE", f"{APPS}/0oaapp1"),
]


@pytest.mark.parametrize(("service", "action", "method", "url"), LIFECYCLE)
def test_lifecycle_success(client_row, okta_http, service, action, method, url):
    okta_http.add(method, url, **({"status": 204} if method == "DELETE" else {"json": {}}))
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", json={})  # delete deactivates first
    service(client=client_row, actor=STAFF)
    assert trail() == [(action, "succeeded", "", "0oaapp1")]
    assert only_event().actor == "ops"


@pytest.mark.parametrize(("service", "action", "method", "url"), LIFECYCLE)
def test_lifecycle_provider_failure(client_row, okta_http, service, action, method, url):
    okta_http.add(method, url, json=okta_error("E0000009", "Internal Server Error"), status=500)
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", json=okta_error("E0000009", "down"), status=500)
    with pytest.raises(ProviderUnavailable):
        service(client=client_row, actor=STAFF)
    assert trail() == [(action, "failed", "provider_error", "0oaapp1")]


@pytest.mark.parametrize(("service", "action", "method", "url"), LIFECYCLE)
def test_lifecycle_refused_in_a_state_that_forbids_it(client_row, okta_http, service, action, method, url):
    RegisteredClient.objects.filter(pk=client_row.pk).update(status="deleted")
    client_row.refresh_from_db()
    with pytest.raises(InvalidState):
        service(client=client_row, actor=STAFF)
    assert trail() == [(action, "refused", "invalid_state", "0oaapp1")]


# -- secrets and keys --------------------------------------------------------------------------


def secret_json(secret_id: str, created: str, value: str | None = None) -> dict:
    body = {"id": secret_id, "status": "ACTIVE", "secret_hash": f"hash-of-{secret_id}", "created": created}
    if value:
        body["client_secret"] = value
    return body


def test_a_secret_rotation_start_and_finish(client_row, okta_http):
    base = f"{APPS}/0oaapp1/credentials/secrets"
    okta_http.post(base, json=secret_json("ocs2", "2026-12-01T00:00:00.000Z", NEW_SECRET), status=201)
    assert create_client_secret(client=client_row, actor=STAFF).secret.client_secret == NEW_SECRET
    okta_http.get(
        base,
        json=[secret_json("ocs1", "2026-11-01T00:00:00.000Z"), secret_json("ocs2", "2026-12-01T00:00:00.000Z")],
    )
    okta_http.post(f"{base}/ocs1/lifecycle/deactivate", json={**secret_json("ocs1", "2026-11-01T00:00:00.000Z")})
    okta_http.delete(f"{base}/ocs1", status=204)
    assert retire_older_secrets(client=client_row, actor=STAFF) == 1
    assert list(AuditEvent.objects.order_by("id").values_list("action", "outcome", "credential")) == [
        ("secret_create", "succeeded", "secret ocs2"),
        ("secret_retire_older", "succeeded", "secret ocs1"),
    ]
    assert "hash-of" not in repr(list(AuditEvent.objects.values()))


def test_a_secret_rotation_that_fails(client_row, okta_http):
    base = f"{APPS}/0oaapp1/credentials/secrets"
    okta_http.post(base, body=requests.ReadTimeout("slow"))
    okta_http.get(base, json=okta_error("E0000009", "down"), status=500)
    with pytest.raises(ProviderTimeout):
        create_client_secret(client=client_row, actor=STAFF)
    with pytest.raises(ProviderUnavailable):
        retire_older_secrets(client=client_row, actor=STAFF)
    assert trail() == [
        ("secret_create", "failed", "provider_timeout", "0oaapp1"),
        ("secret_retire_older", "failed", "provider_error", "0oaapp1"),
    ]


def test_each_secret_change_is_one_event(client_row, okta_http):
    base = f"{APPS}/0oaapp1/credentials/secrets"
    okta_http.post(f"{base}/ocs1/lifecycle/deactivate", json=secret_json("ocs1", "2026-11-01T00:00:00.000Z"))
    okta_http.post(f"{base}/ocs1/lifecycle/activate", json=secret_json("ocs1", "2026-11-01T00:00:00.000Z"))
    okta_http.delete(f"{base}/ocs1", status=204)
    okta_http.delete(f"{base}/ocs9", status=404, json=okta_error("E0000007", "Not found: ocs9"))
    set_client_secret_status(client=client_row, secret_id="ocs1", active=False, actor=STAFF)
    set_client_secret_status(client=client_row, secret_id="ocs1", active=True, actor=STAFF)
    retire_client_secret(client=client_row, secret_id="ocs1", actor=STAFF)
    with pytest.raises(ProviderNotFound):
        delete_client_secret(client=client_row, secret_id="ocs9", actor=STAFF)
    assert list(AuditEvent.objects.order_by("id").values_list("action", "outcome", "reason", "credential")) == [
        ("secret_deactivate", "succeeded", "", "secret ocs1"),
        ("secret_activate", "succeeded", "", "secret ocs1"),
        ("secret_retire", "succeeded", "", "secret ocs1"),
        ("secret_delete", "refused", "not_found_at_provider", "secret ocs9"),
    ]


def test_key_changes(keyless_row, okta_http, key):
    base = f"{APPS}/0oaapp1/credentials/jwks"
    new = public_jwk(rsa_private_key(), "k2")
    okta_http.post(base, json=okta_key("pks2", "k2"), status=201)
    okta_http.get(base, json=[okta_key("pks1", "k1"), okta_key("pks2", "k2")])
    okta_http.post(f"{base}/pks1/lifecycle/deactivate", json=okta_key("pks1", "k1", "INACTIVE"))
    okta_http.post(f"{base}/pks1/lifecycle/activate", json=okta_key("pks1", "k1"))
    okta_http.delete(f"{base}/pks1", status=204)
    add_client_key(client=keyless_row, jwk=new, actor=STAFF)
    set_client_key_status(client=keyless_row, key_id="pks1", active=True, actor=STAFF)
    retire_client_key(client=keyless_row, key_id="pks1", actor=STAFF)
    events = list(AuditEvent.objects.order_by("id").values_list("action", "outcome", "credential"))
    assert [(action, outcome) for action, outcome, _ in events] == [
        ("key_add", "succeeded"),
        ("key_activate", "succeeded"),
        ("key_retire", "succeeded"),
    ]
    assert events[0][2].startswith("key pks2 (kid k2, jkt ")
    assert events[1][2] == "key pks1 (kid k1)" and events[2][2] == "key pks1"


def test_a_private_key_is_refused_and_never_recorded(keyless_row, okta_http, key):
    leaked = private_jwk(key, "k9")
    with pytest.raises(InvalidRegistration):
        add_client_key(client=keyless_row, jwk=leaked, actor=STAFF)
    event = only_event()
    assert (event.action, event.outcome, event.reason, event.credential) == (
        "key_add",
        "refused",
        "invalid_request",
        "",
    )
    assert not [value for value in leaked.values() if len(value) > 8 and value in repr(vars(event))]


def test_a_key_the_provider_refuses(keyless_row, okta_http):
    base = f"{APPS}/0oaapp1/credentials/jwks"
    okta_http.post(
        f"{base}/pks1/lifecycle/deactivate",
        status=400,
        json=okta_error("E0000001", "Api validation failed", ["Can't deactivate the only active JSON Web Key"]),
    )
    with pytest.raises(ProviderValidationError):
        retire_client_key(client=keyless_row, key_id="pks1", actor=STAFF)
    assert trail() == [("key_retire", "refused", "invalid_client_metadata", "0oaapp1")]
    assert "only active" not in repr(list(AuditEvent.objects.values()))  # the provider's words stay out


# -- reconciliation and commands ---------------------------------------------------------------


def test_sync_records_the_run_and_each_record_it_changed(okta_http):
    for label, client_id, status in [("A", "0oa1", "active"), ("B", "0oa2", "active"), ("C", "0oa3", "inactive")]:
        RegisteredClient.objects.create(
            label=label, client_id=client_id, provider_reference=client_id, provider="default", status=status
        )
    okta_http.get(APPS, json=[okta_app("0oa1", label="A", status="INACTIVE"), okta_app("0oa3", label="C")])
    okta_http.get(f"{APPS}/0oa2", status=404, json=okta_error("E0000007", "Not found"))
    sync_clients(actor=STAFF)
    assert sorted(trail()) == [
        ("sync", "succeeded", "", "provider default"),
        ("sync_activate", "succeeded", "", "0oa3"),
        ("sync_deactivate", "succeeded", "", "0oa1"),
        ("sync_delete", "succeeded", "", "0oa2"),
    ]


def test_sync_settles_an_interrupted_registration(okta_http):
    row = RegisteredClient.objects.create(label="Stuck", provider="default")
    RegisteredClient.objects.filter(pk=row.pk).update(created_at=timezone.now() - timedelta(hours=1))
    okta_http.get(APPS, json=[])
    sync_clients()
    assert ("sync_settle", "succeeded", "", f"row {row.pk}") in trail()
    assert {event.actor_kind for event in AuditEvent.objects.all()} == {"system"}


def test_a_dry_run_and_a_failed_sync(okta_http):
    okta_http.get(APPS, json=okta_error("E0000009", "down"), status=500)
    with pytest.raises(ProviderUnavailable):
        sync_clients()
    assert trail() == [("sync", "failed", "provider_error", "provider default")]
    AuditEvent.objects.all().delete()
    okta_http.replace("GET", APPS, json=[])
    sync_clients(apply=False)
    assert trail() == []


def dynamic_row(settings, okta_http, rotated_to: str) -> RegisteredClient:
    """A client registered by RFC 7591 whose read (RFC 7592 §3) answers with a rotated access token."""
    settings.REGISTRATION = {**settings.REGISTRATION, "PROVIDER": "dynamic"}
    uri = f"{DCR_ENDPOINT}/dcr1"
    okta_http.get(uri, json={"client_id": "dcr1", "client_name": "App", "registration_access_token": rotated_to})
    return RegisteredClient.objects.create(
        label="App",
        client_id="dcr1",
        provider="dynamic",
        status="active",
        provider_credential=encrypt_json({"registration_client_uri": uri, "registration_access_token": "old"}),
    )


def test_sync_records_a_rotated_registration_access_token_it_stored_even_in_a_dry_run(settings, okta_http):
    """The provider voided the old token when it answered: storing the new one is a change, run or dry run."""
    record_row = dynamic_row(settings, okta_http, rotated_to="rotated-token-value")
    sync_clients(apply=False, actor=STAFF)
    assert trail() == [("sync_credential", "succeeded", "", "dcr1")]
    record_row.refresh_from_db()
    assert record_row.ref.credential["registration_access_token"] == "rotated-token-value"
    assert "rotated-token-value" not in repr(list(AuditEvent.objects.values()))


def test_sync_records_a_rotated_token_it_could_not_store_and_says_so(settings, okta_http):
    dynamic_row(settings, okta_http, rotated_to="rotated-token-value")
    real_filter = RegisteredClient.objects.filter

    def failing_filter(*args, **kwargs):
        queryset = real_filter(*args, **kwargs)
        queryset.update = mock.Mock(side_effect=OperationalError("the database went away"))
        return queryset

    with mock.patch.object(RegisteredClient.objects, "filter", side_effect=failing_filter):
        report = sync_clients(actor=STAFF)
    assert ("sync_credential", "failed", "database_error", "dcr1") in trail()
    assert any("dcr1: the provider rotated its registration access token" in note for note in report.notes)
    assert "rotated-token-value" not in repr(report)


def test_the_request_id_of_the_request_being_served(bearer, okta_http):
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    response = bearer("clients:register", "hello:read").post(
        "/register/", {"label": "With an id", "scopes": ["hello:read"]}, format="json"
    )
    assert response.status_code == 201
    assert only_event().request_id == response["X-Request-ID"]


def test_commands_record_the_os_user(okta_http, monkeypatch):
    monkeypatch.setattr(audit.getpass, "getuser", lambda: "deployer")
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    call_command("register_client", "CLI App", "--scope", "hello:read", stdout=StringIO(), stderr=StringIO())
    call_command("rotate_registration_keys", stdout=StringIO(), stderr=StringIO())
    assert list(AuditEvent.objects.order_by("id").values_list("action", "actor_kind", "actor", "target")) == [
        ("register", "system", "deployer", "0oaapp1"),
        ("reencrypt", "system", "deployer", "0 of 0 credential(s)"),
    ]
    assert AuditEvent.objects.filter(client_address__isnull=False).count() == 0
    assert RegisteredClient.objects.get().creator == "cli:deployer"


# -- who asked, over the API and the admin ------------------------------------------------------


def test_the_api_records_the_client_and_its_address_behind_a_proxy(bearer, okta_http, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    client = bearer("clients:register", "hello:read", client_id="registrar-7")
    response = client.post(
        "/register/",
        {"label": "Via API", "scopes": ["hello:read"]},
        format="json",
        # The client's own first entry is not believed: the one proxy appended the address it saw.
        HTTP_X_FORWARDED_FOR="192.0.2.66, 198.51.100.23",
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 201, response.content
    event = only_event()
    assert (event.actor_kind, event.actor, event.client_address) == ("client", "registrar-7", "198.51.100.23")


def test_a_forwarded_value_that_is_no_address_is_recorded_as_none(bearer, okta_http, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    client = bearer("clients:register", "hello:read")
    response = client.post(
        "/register/", {"label": "X", "scopes": ["hello:read"]}, format="json", HTTP_X_FORWARDED_FOR="unknown"
    )
    assert response.status_code == 201
    assert only_event().client_address is None


def test_the_api_records_a_staff_change(staff_client, client_row, okta_http):
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", json={})
    response = staff_client.post("/clients/0oaapp1/deactivate/", **CSRF)
    assert response.status_code == 200, response.content
    event = only_event()
    assert (event.action, event.actor_kind, event.actor, event.client_address) == (
        "deactivate",
        "staff",
        "admin",
        "127.0.0.1",
    )


def test_the_api_records_a_new_secret_without_its_value(bearer, client_row, okta_http):
    base = f"{APPS}/0oaapp1/credentials/secrets"
    okta_http.post(base, json=secret_json("ocs2", "2026-12-01T00:00:00.000Z", NEW_SECRET), status=201)
    response = bearer("clients:manage", client_id="manager").post("/clients/0oaapp1/secrets/")
    assert response.status_code == 201 and response.json()["client_secret"] == NEW_SECRET
    event = only_event()
    assert (event.action, event.actor, event.credential) == ("secret_create", "manager", "secret ocs2")


# -- the trail never holds a secret -------------------------------------------------------------


def test_no_event_holds_a_secret_a_private_key_or_a_token(okta_http, bearer, key, monkeypatch):
    """Every field of every event, after every kind of action, against every secret the test used."""
    monkeypatch.setattr(audit.getpass, "getuser", lambda: "deployer")
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    client = bearer("clients:register", "clients:manage", "hello:read")
    token = client._credentials["HTTP_AUTHORIZATION"].split()[1]
    assert client.post("/register/", {"label": "Leak?", "scopes": ["hello:read"]}, format="json").status_code == 201
    base = f"{APPS}/0oaapp1/credentials/secrets"
    okta_http.post(base, json=secret_json("ocs2", "2026-12-01T00:00:00.000Z", NEW_SECRET), status=201)
    assert client.post("/clients/0oaapp1/secrets/").status_code == 201
    leaked = private_jwk(key, "k1")
    response = client.post("/clients/0oaapp1/keys/", {"jwk": leaked}, format="json")
    assert response.status_code == 400
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", json={})
    assert client.post("/clients/0oaapp1/deactivate/").status_code == 200
    assert AuditEvent.objects.count() >= 3

    forbidden = [SECRET, NEW_SECRET, token, API_TOKEN, *(leaked[name] for name in ("d", "p", "q", "dp", "dq", "qi"))]
    forbidden += [token.split(".")[2], "hash-of-ocs2"]
    for event in AuditEvent.objects.values():
        stored = json.dumps(event, default=str)
        assert not [value for value in forbidden if value in stored], event


# -- writing the trail never changes the caller's outcome ----------------------------------------


def test_an_event_that_cannot_be_written_is_logged_and_the_error_is_kept(okta_http, caplog):
    okta_http.post(APPS, json=okta_error("E0000009", "Internal Server Error"), status=500)
    okta_http.get(APPS, json=[])
    with (
        mock.patch.object(AuditEvent, "save", side_effect=OperationalError("database is down")),
        caplog.at_level(logging.ERROR, logger="registration.audit"),
        pytest.raises(ProviderUnavailable),  # the provider's error, not the database's
    ):
        register()
    assert not AuditEvent.objects.exists()
    [line] = [r.getMessage() for r in caplog.records if r.name == "registration.audit"]
    assert "Audit event not written (OperationalError): register row" in line and "failed" in line
    assert "provider_error" in line and "req-audit-1" in line


def test_a_database_failure_is_one_error_not_two(okta_http, monkeypatch, caplog):
    def unavailable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(RegisteredClient.objects, "create", unavailable)
    with (
        mock.patch.object(AuditEvent, "save", side_effect=OperationalError("connection refused")),
        caplog.at_level(logging.INFO, logger="registration.audit"),
        pytest.raises(DatabaseFailure),
    ):
        register()
    [lost] = [r for r in caplog.records if r.name == "registration.audit"]
    assert lost.levelno == logging.INFO and "database_error" in lost.getMessage()


def test_a_success_stays_a_success_when_its_event_cannot_be_written(okta_http, caplog):
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    with mock.patch.object(AuditEvent, "save", side_effect=OperationalError("database is down")):
        registration = register()
    assert registration.client.status == "active" and registration.client_secret == SECRET
    assert "Audit event not written" in caplog.text and SECRET not in caplog.text


def test_fields_are_bounded_and_printable():
    actor = Actor(kind="client", name="c\x00" + "x" * 5000, address=None, request_id="r\x1b" * 300)
    event = record(action="register", outcome=Outcome.FAILED, actor=actor, target="t" * 999, reason="r" * 999)
    event.refresh_from_db()
    assert event.actor.startswith("c\ufffdx") and len(event.actor) == 255
    assert len(event.target) == 255 and len(event.reason) == 64 and len(event.request_id) == 128
    assert event.request_id.isprintable() and "\x00" not in event.actor


def test_an_interrupted_action_is_recorded_and_the_interrupt_goes_on(client_row):
    with (
        mock.patch("registration.providers.okta.OktaProvider.deactivate", side_effect=KeyboardInterrupt),
        pytest.raises(KeyboardInterrupt),
    ):
        deactivate_client(client=client_row)
    assert trail() == [("deactivate", "failed", "interrupted", "0oaapp1")]
    assert only_event().actor_kind == "system"


@pytest.mark.django_db(transaction=True)
def test_a_registration_rolled_back_by_the_database_keeps_its_failed_event(okta_http):
    """The client id the provider answers is already recorded: the activation's transaction fails and is
    rolled back (on PostgreSQL the whole transaction is aborted). The event, written after the
    block, is committed on its own; nothing here runs inside a test transaction."""
    RegisteredClient.objects.create(label="Earlier", client_id="0oaapp1", provider="default", status="active")
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", json={})
    okta_http.delete(f"{APPS}/0oaapp1", status=204)
    with pytest.raises(DatabaseFailure, match="removed at the provider again"):
        register()
    assert trail() == [("register", "failed", "database_error", "0oaapp1")]
    assert RegisteredClient.objects.get(label="Awesome App").status == "failed"
