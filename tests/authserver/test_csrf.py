"""Every header-authenticated endpoint works for a client that has no CSRF token (a server, not a browser)."""

import pytest

from authserver.models import AdminApiToken
from authserver.service_clients import create_service_client
from tests.support.form_client import FormClient

from .conftest import basic


@pytest.fixture
def csrf_client() -> FormClient:
    return FormClient(enforce_csrf_checks=True)


def test_no_endpoint_is_refused_for_lack_of_a_csrf_token(csrf_client):
    admin = AdminApiToken.issue("csrf")[1]
    ssws = {"HTTP_AUTHORIZATION": f"SSWS {admin}"}
    app, secret = create_service_client(label="csrf", scopes=["hello:read"])
    auth = {"HTTP_AUTHORIZATION": basic(app.client_id, secret)}

    token = csrf_client.post("/oauth2/default/v1/token", {"grant_type": "client_credentials"}, **auth)
    assert token.status_code == 200
    access_token = token.json()["access_token"]
    assert csrf_client.post("/oauth2/default/v1/introspect", {"token": access_token}, **auth).status_code == 200
    assert csrf_client.post("/oauth2/default/v1/revoke", {"token": access_token}, **auth).status_code == 200

    body = {
        "name": "oidc_client",
        "label": "x",
        "signOnMode": "OPENID_CONNECT",
        "settings": {"oauthClient": {"grant_types": ["client_credentials"], "application_type": "service"}},
    }
    created = csrf_client.post("/api/v1/apps", body, content_type="application/json", **ssws)
    assert created.status_code == 200
    app_id = created.json()["id"]
    assert csrf_client.post(f"/api/v1/apps/{app_id}/lifecycle/deactivate", **ssws).status_code == 200
    assert csrf_client.delete(f"/api/v1/apps/{app_id}", **ssws).status_code == 204

    metadata = {"grant_types": ["client_credentials"]}
    registered = csrf_client.post(
        "/oauth2/v1/clients", metadata, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {admin}"
    )
    assert registered.status_code == 201
    uri = registered.json()["registration_client_uri"]
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {registered.json()['registration_access_token']}"}
    updated = csrf_client.put(uri, metadata, content_type="application/json", **bearer)
    assert updated.status_code == 200
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {updated.json()['registration_access_token']}"}
    assert csrf_client.delete(uri, **bearer).status_code == 204
