"""Client registration over real HTTP against the embedded server's Okta Apps API and RFC 7591/7592."""

import logging
import re
from io import StringIO

import pytest
import requests
from django.core.management import call_command

from authserver.models import AdminApiToken
from registration.models import RegisteredClient

from ..registration.conftest import secret_at_rest

pytestmark = pytest.mark.e2e

PASSWORD = "staff-password-e2e-1"


@pytest.fixture
def embedded(live_server, settings, django_user_model):
    """The live server is the issuer, the API and the provider (reached over HTTP only)."""
    issuer = f"{live_server.url}/oauth2/default"
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": issuer}
    settings.ISSUER = issuer
    settings.ORG_URL = live_server.url
    settings.TOKEN = AdminApiToken.issue("e2e registration")[1]
    settings.REGISTRATION = {**settings.REGISTRATION, "THROTTLE_RATE": None}
    settings.REGISTRATION_PROVIDERS = {
        "default": {"BACKEND": "registration.providers.okta.OktaProvider", "OPTIONS": {}},
        "dynamic": {"BACKEND": "registration.providers.dynamic.DynamicRegistrationProvider", "OPTIONS": {}},
    }
    django_user_model.objects.create_user("ops", "ops@example.com", PASSWORD, is_staff=True, is_superuser=True)
    return live_server.url


def staff_session(base: str) -> requests.Session:
    """Sign in through the admin login form, as a browser does (CSRF cookie and form token)."""
    session = requests.Session()
    page = session.get(f"{base}/admin/login/", timeout=10)
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    response = session.post(
        f"{base}/admin/login/?next=/admin/",
        data={"username": "ops", "password": PASSWORD, "csrfmiddlewaretoken": form_token},
        timeout=10,
    )
    assert response.status_code == 200 and "sessionid" in session.cookies
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]
    return session


def get_token(token_url: str, client_id: str, secret: str) -> requests.Response:
    return requests.post(
        token_url,
        data={"grant_type": "client_credentials", "scope": "hello:read"},
        auth=(client_id, secret),
        timeout=10,
    )


def run_flow(base: str, caplog, provider: str) -> tuple[requests.Session, str, str, str]:
    """Register as staff, get a token, call the API, see it listed; check no secret is at rest or logged."""
    session = staff_session(base)
    response = session.post(
        f"{base}/register/", json={"label": f"Awesome App Name ({provider})", "scopes": ["hello:read"]}, timeout=20
    )
    assert response.status_code == 201, response.text
    assert response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"client_id", "client_secret", "label", "scopes", "request_token_url"}
    assert body["request_token_url"] == f"{base}/oauth2/default/v1/token"
    client_id, secret = body["client_id"], body["client_secret"]
    row = RegisteredClient.objects.get(client_id=client_id)
    assert (row.status, row.provider, row.scopes, row.creator) == ("active", provider, ["hello:read"], "user:ops")

    # The new client gets a token from the embedded issuer and calls the API with it.
    token = get_token(body["request_token_url"], client_id, secret)
    assert token.status_code == 200, token.text
    hello = requests.get(f"{base}/", headers={"Authorization": f"Bearer {token.json()['access_token']}"}, timeout=10)
    assert (hello.status_code, hello.json()) == (200, "Hello World!")

    # The admin lists it; the API shows it (never with the secret).
    changelist = session.get(f"{base}/admin/registration/registeredclient/", timeout=10)
    assert changelist.status_code == 200 and client_id in changelist.text
    detail = session.get(f"{base}/clients/{client_id}/", timeout=10).json()
    assert detail["status"] == "active" and "client_secret" not in detail

    # Neither the client secret nor any provider credential is at rest or in a log.
    credential = row.ref.credential or {}
    kept = [secret, *([credential["registration_access_token"]] if credential else [])]
    for value in kept:
        assert secret_at_rest(value) == []
        assert value not in caplog.text
    return session, client_id, secret, body["request_token_url"]


def test_okta_apps_api_flow(embedded, settings, caplog):
    caplog.set_level(logging.DEBUG)
    session, client_id, secret, token_url = run_flow(embedded, caplog, "default")
    apps = f"{embedded}/api/v1/apps/{client_id}"
    ssws = {"Authorization": f"SSWS {settings.TOKEN}"}
    assert requests.get(apps, headers=ssws, timeout=10).json()["status"] == "ACTIVE"

    # Deactivating at the provider stops new tokens.
    response = session.post(f"{embedded}/clients/{client_id}/deactivate/", timeout=10)
    assert response.status_code == 200 and response.json()["status"] == "inactive"
    assert requests.get(apps, headers=ssws, timeout=10).json()["status"] == "INACTIVE"
    refused = get_token(token_url, client_id, secret)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"

    # Activating lets it back in.
    assert session.post(f"{embedded}/clients/{client_id}/activate/", timeout=10).json()["status"] == "active"
    assert get_token(token_url, client_id, secret).status_code == 200

    # Deleting removes it at the provider (deactivated first, as Okta requires); the record stays, deleted.
    assert session.delete(f"{embedded}/clients/{client_id}/", timeout=10).status_code == 204
    gone = requests.get(apps, headers=ssws, timeout=10)
    assert gone.status_code == 404 and gone.json()["errorCode"] == "E0000007"
    assert RegisteredClient.objects.get(client_id=client_id).status == "deleted"
    assert get_token(token_url, client_id, secret).status_code == 401


def test_dynamic_registration_flow(embedded, settings, caplog):
    caplog.set_level(logging.DEBUG)
    settings.REGISTRATION = {**settings.REGISTRATION, "PROVIDER": "dynamic"}
    session, client_id, secret, token_url = run_flow(embedded, caplog, "dynamic")
    row = RegisteredClient.objects.get(client_id=client_id)
    credential = row.ref.credential
    assert credential["registration_client_uri"] == f"{embedded}/oauth2/v1/clients/{client_id}"
    assert credential["registration_access_token"] not in row.provider_credential  # encrypted at rest

    # RFC 7592 has no lifecycle: deactivation is refused clearly and changes nothing.
    response = session.post(f"{embedded}/clients/{client_id}/deactivate/", timeout=10)
    assert response.status_code == 400 and response.json()["error"] == "unsupported_operation"
    assert RegisteredClient.objects.get(client_id=client_id).status == "active"
    assert get_token(token_url, client_id, secret).status_code == 200

    # Deleting goes through the client configuration endpoint with the registration access token.
    assert session.delete(f"{embedded}/clients/{client_id}/", timeout=10).status_code == 204
    assert get_token(token_url, client_id, secret).status_code == 401
    config = requests.get(
        credential["registration_client_uri"],
        headers={"Authorization": f"Bearer {credential['registration_access_token']}"},
        timeout=10,
    )
    assert config.status_code == 401  # RFC 7592 §2.1: an unknown client
    assert RegisteredClient.objects.get(client_id=client_id).status == "deleted"


def test_register_client_command_against_the_embedded_server(embedded):
    out = StringIO()
    call_command("register_client", "Awesome App Name", "--scope", "hello:read", stdout=out, stderr=StringIO())
    lines = dict(line.split(":", 1) for line in out.getvalue().splitlines())
    client_id, secret = lines["Client ID"].strip(), lines["Client secret"].strip()
    assert get_token(lines["Token URL"].strip(), client_id, secret).status_code == 200
    assert RegisteredClient.objects.get(client_id=client_id).creator.startswith("cli:")
