"""Every provider fault leaves exactly one `failed` registration event, over real HTTP to a loopback Okta.

The faults are `FakeOkta`'s (5xx, 429, an answer after the read timeout, a dropped connection, a
truncated JSON body), on the create alone and on every call (the service's own search and removal
fail too). `test_registration_provider_faults` counts the same under concurrent load on gunicorn.
"""

import secrets

import pytest

from registration.audit import Actor
from registration.exceptions import ProviderError
from registration.models import AuditEvent, RegisteredClient
from registration.providers import reset_providers
from registration.services import register_client
from tests.support.fake_okta import FAULTS, FakeOkta

# The reason each fault is recorded with (the answer's `error`, finer for a rate limit).
REASONS = {
    "error500": "provider_error",
    "error503": "provider_error",
    "rate_limited": "provider_rate_limited",
    "timeout": "provider_timeout",
    "drop": "provider_error",
    "malformed": "provider_error",
}
CLIENT = Actor(kind="client", name="registrar", address="192.0.2.44", request_id="req-fault")


@pytest.fixture
def okta(settings):
    server = FakeOkta(token="00-fake-okta-" + secrets.token_urlsafe(24), jwks={"keys": []}, hang_seconds=1.0).start()
    settings.ORG_URL, settings.TOKEN = server.base, server.token
    settings.REGISTRATION_PROVIDERS = {
        "default": {
            "BACKEND": "registration.providers.okta.OktaProvider",
            "OPTIONS": {"TIMEOUT": [2.0, 0.4], "MAX_RETRY_WAIT": 0},
        }
    }
    settings.REGISTRATION = {**settings.REGISTRATION, "PROVIDER": "default"}
    reset_providers()
    yield server
    server.stop()
    reset_providers()


def test_the_fault_table_covers_every_fault():
    assert set(REASONS) == set(FAULTS)


@pytest.mark.parametrize("everywhere", [False, True], ids=["on-create", "on-every-call"])
@pytest.mark.parametrize("fault", FAULTS)
def test_a_provider_fault_leaves_exactly_one_failed_event(okta, fault, everywhere):
    create = ("POST", "/api/v1/apps")
    okta.fault = lambda method, path: fault if everywhere or (method, path.rstrip("/")) == create else None
    with pytest.raises(ProviderError):
        register_client(label=f"Faulty {fault}", scopes=["hello:read"], creator="client:registrar", actor=CLIENT)
    row = RegisteredClient.objects.get()
    [event] = AuditEvent.objects.all()
    assert (event.action, event.outcome, event.reason) == ("register", "failed", REASONS[fault])
    assert (event.target, event.actor, event.client_address, event.request_id) == (
        row.client_id or f"row {row.pk}",
        "registrar",
        "192.0.2.44",
        "req-fault",
    )
    assert not [secret for secret in okta.secrets if secret in repr(AuditEvent.objects.values())]


def test_a_registration_after_the_faults_is_one_succeeded_event(okta):
    okta.fault = lambda method, path: "error503"
    with pytest.raises(ProviderError):
        register_client(label="First", scopes=["hello:read"], actor=CLIENT)
    okta.fault = lambda method, path: None
    client_id = register_client(label="Second", scopes=["hello:read"], actor=CLIENT).client.client_id
    assert list(AuditEvent.objects.order_by("id").values_list("outcome", "target")) == [
        ("failed", f"row {RegisteredClient.objects.get(label='First').pk}"),
        ("succeeded", client_id),
    ]
