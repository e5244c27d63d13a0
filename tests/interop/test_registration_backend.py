"""The dynamic-registration backend (RFC 7591/7592) against oidc-provider: register, read, use, delete."""

import pytest
import requests

pytest.importorskip("registration.providers.dynamic", reason="needs registration/providers")

from registration.exceptions import ProviderNotFound, ProviderValidationError
from registration.models import RegisteredClient
from registration.providers import ClientRef, get_provider
from registration.providers.dynamic import DynamicRegistrationProvider
from registration.services import delete_client, register_client

from .conftest import HELLO_SCOPE, TIMEOUT

pytestmark = pytest.mark.interop

ALIAS = "oidc-provider"


@pytest.fixture
def backend(settings, trust_oidc_provider) -> DynamicRegistrationProvider:
    """The RFC 7591 backend pointed at oidc-provider's open registration endpoint."""
    settings.REGISTRATION_PROVIDERS = {
        ALIAS: {
            "BACKEND": "registration.providers.dynamic.DynamicRegistrationProvider",
            # Open registration (no initial access token); no Okta-only `application_type`.
            "OPTIONS": {
                "REGISTRATION_ENDPOINT": trust_oidc_provider.registration_endpoint,
                "INITIAL_ACCESS_TOKEN": "",
                "APPLICATION_TYPE": None,
            },
        }
    }
    settings.REGISTRATION = {
        **getattr(settings, "REGISTRATION", {}),
        "PROVIDER": ALIAS,
        "TOKEN_URL": trust_oidc_provider.metadata["token_endpoint"],
    }
    return get_provider(ALIAS)


def call_hello(live_server, token: str) -> requests.Response:
    return requests.get(live_server.url + "/", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)


def test_backend_registers_reads_and_deletes_at_oidc_provider(backend, trust_oidc_provider, live_server):
    created = backend.create(label="interop backend", scopes=[HELLO_SCOPE])
    assert created.client_secret
    assert created.credential["registration_client_uri"].startswith(trust_oidc_provider.issuer)
    ref = ClientRef(client_id=created.client_id, reference=created.reference, credential=created.credential)

    read = backend.get(ref)
    assert (read.client_id, read.label, read.scopes) == (created.client_id, "interop backend", [HELLO_SCOPE])

    token = trust_oidc_provider.token(client_id=created.client_id, client_secret=created.client_secret)
    response = call_hello(live_server, token)
    assert response.status_code == 200, response.text
    assert response.json() == "Hello World!"

    backend.delete(ref)
    refused = trust_oidc_provider.token_response(client_id=created.client_id, client_secret=created.client_secret)
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"
    with pytest.raises(ProviderNotFound):
        backend.get(ref)


def test_service_registers_and_deletes_through_oidc_provider(backend, trust_oidc_provider, live_server):
    registration = register_client(label="interop service", scopes=[HELLO_SCOPE])
    row = registration.client
    assert registration.token_url == trust_oidc_provider.metadata["token_endpoint"]
    token = trust_oidc_provider.token(client_id=row.client_id, client_secret=registration.client_secret)
    assert call_hello(live_server, token).status_code == 200

    delete_client(client=RegisteredClient.objects.get(pk=row.pk))
    refused = trust_oidc_provider.token_response(client_id=row.client_id, client_secret=registration.client_secret)
    assert refused.status_code == 401


def test_okta_application_type_is_refused_by_a_plain_rfc_7591_server(settings, trust_oidc_provider):
    """The backend's default (`service`, Okta's) is not RFC 7591: oidc-provider says so, described."""
    settings.REGISTRATION_PROVIDERS = {
        "okta-shaped": {
            "BACKEND": "registration.providers.dynamic.DynamicRegistrationProvider",
            "OPTIONS": {"REGISTRATION_ENDPOINT": trust_oidc_provider.registration_endpoint, "INITIAL_ACCESS_TOKEN": ""},
        }
    }
    with pytest.raises(ProviderValidationError, match="invalid_client_metadata"):
        get_provider("okta-shaped").create(label="okta shaped", scopes=[HELLO_SCOPE])
