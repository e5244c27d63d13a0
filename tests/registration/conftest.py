"""Fixtures for registration: a provider faked at the transport layer, staff users and bearer clients."""

import pytest
import responses
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.db import connection
from rest_framework.test import APIClient

from conftest import ISSUER
from registration.providers import reset_providers

ORG = "https://okta.test"
API_TOKEN = "00-test-api-token-" + "t" * 24
DCR_ENDPOINT = f"{ORG}/oauth2/v1/clients"


def okta_app(
    app_id: str = "0oaapp1",
    label: str = "Awesome App",
    status: str = "ACTIVE",
    secret: str | None = None,
    created: str = "2026-01-21T14:11:24.000Z",
):
    """An Okta `Application` object as the Apps API answers it."""
    oauth = {"client_id": app_id, "token_endpoint_auth_method": "client_secret_basic", "autoKeyRotation": True}
    if secret:
        oauth["client_secret"] = secret
    return {
        "id": app_id,
        "name": "oidc_client",
        "label": label,
        "status": status,
        "created": created,
        "lastUpdated": "2026-01-21T14:11:24.000Z",
        "signOnMode": "OPENID_CONNECT",
        "credentials": {"oauthClient": oauth},
        "settings": {"oauthClient": {"grant_types": ["client_credentials"], "application_type": "service"}},
        "profile": {"scopes": ["hello:read"]},
        "_links": {"self": {"href": f"{ORG}/api/v1/apps/{app_id}"}},
    }


def okta_error(code: str, summary: str, causes: list[str] | None = None) -> dict:
    return {
        "errorCode": code,
        "errorSummary": summary,
        "errorLink": code,
        "errorId": "oaeTestErrorId",
        "errorCauses": [{"errorSummary": cause} for cause in causes or []],
    }


@pytest.fixture(autouse=True)
def _providers(settings):
    """Providers point at the fake Okta org; no instance survives a test."""
    settings.ORG_URL = ORG
    settings.TOKEN = API_TOKEN
    settings.REGISTRATION_PROVIDERS = {
        "default": {"BACKEND": "registration.providers.okta.OktaProvider", "OPTIONS": {"MAX_RETRY_WAIT": 0}},
        "dynamic": {
            "BACKEND": "registration.providers.dynamic.DynamicRegistrationProvider",
            "OPTIONS": {"MAX_RETRY_WAIT": 0},
        },
    }
    settings.REGISTRATION = {**getattr(settings, "REGISTRATION", {}), "PROVIDER": "default", "THROTTLE_RATE": None}
    reset_providers()
    yield
    reset_providers()


@pytest.fixture
def okta_http(jwks):
    """The Okta org faked at the transport layer (with the token issuer's metadata and keys)."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(
            "https://issuer.test/.well-known/oauth-authorization-server/oauth2/default",
            json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/v1/keys", "token_endpoint": f"{ISSUER}/v1/token"},
        )
        mock.get(f"{ISSUER}/v1/keys", json=jwks, headers={"Cache-Control": "max-age=3600"})
        yield mock


@pytest.fixture
def staff_user():
    return get_user_model().objects.create_user("admin", "admin@example.com", "pw-admin-1", is_staff=True)


CSRF_SECRET = "c" * 32  # a CSRF cookie value as Django issues it (unmasked secrets are accepted)


@pytest.fixture
def staff_client(staff_user) -> APIClient:
    """A staff user's browser session with CSRF enforced, as in production; send `**CSRF` on unsafe requests."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(staff_user)
    client.cookies[django_settings.CSRF_COOKIE_NAME] = CSRF_SECRET
    return client


CSRF = {"HTTP_X_CSRFTOKEN": CSRF_SECRET}


@pytest.fixture
def bearer(make_token, okta_http):
    """An API client factory authenticated by a valid bearer token with the given scopes."""

    def factory(*scopes: str, client_id: str = "registrar") -> APIClient:
        client = APIClient()
        token = make_token(scp=list(scopes), cid=client_id, sub=client_id)
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
        return client

    return factory


def provider_calls(mock: responses.RequestsMock) -> list:
    """The requests that reached the provider (not the token issuer's metadata and keys)."""
    return [call for call in mock.calls if call.request.url.startswith(ORG)]


def secret_at_rest(secret: str) -> list[str]:
    """Every database table that holds `secret` verbatim anywhere in a row."""
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            if any(secret in repr(row) for row in cursor.fetchall()):
                found.append(table)
    return found
