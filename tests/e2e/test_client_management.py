"""Client management over real HTTP, as a registration backend would use it: Okta's Apps API and RFC 7591/7592."""

import pytest
import requests

from authserver.models import AdminApiToken
from tests.support.okta_apps import service_app_body

pytestmark = pytest.mark.e2e

CREATE_BODY = service_app_body("Awesome App Name")


@pytest.fixture
def server(live_server, settings):
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": f"{live_server.url}/oauth2/default"}
    return live_server.url


@pytest.fixture
def admin_token() -> str:
    return AdminApiToken.issue("e2e")[1]


def token_response(server: str, client_id: str, secret: str) -> requests.Response:
    return requests.post(
        f"{server}/oauth2/default/v1/token",
        data={"grant_type": "client_credentials", "scope": "hello:read"},
        auth=(client_id, secret),
        timeout=10,
    )


def hello(server: str, access_token: str) -> requests.Response:
    return requests.get(server, headers={"Authorization": f"Bearer {access_token}"}, timeout=10)


def test_okta_apps_api_lifecycle(server, admin_token):
    okta = requests.Session()
    okta.headers.update({"Authorization": f"SSWS {admin_token}", "Accept": "application/json"})
    created = okta.post(f"{server}/api/v1/apps", json=CREATE_BODY, timeout=10)
    assert created.status_code == 200, created.text
    app = created.json()
    credentials = app["credentials"]["oauthClient"]

    access_token = token_response(server, credentials["client_id"], credentials["client_secret"]).json()["access_token"]
    assert hello(server, access_token).json() == "Hello World!"

    listed = okta.get(f"{server}/api/v1/apps", params={"filter": 'status eq "ACTIVE"', "limit": 1}, timeout=10)
    assert [item["id"] for item in listed.json()] == [app["id"]]
    assert 'rel="self"' in listed.headers["Link"]

    assert okta.delete(f"{server}/api/v1/apps/{app['id']}", timeout=10).json()["errorCode"] == "E0000056"
    assert okta.post(f"{server}/api/v1/apps/{app['id']}/lifecycle/deactivate", timeout=10).json() == {}
    refused = token_response(server, credentials["client_id"], credentials["client_secret"])
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"].startswith("Basic")
    assert okta.delete(f"{server}/api/v1/apps/{app['id']}", timeout=10).status_code == 204
    assert okta.get(f"{server}/api/v1/apps/{app['id']}", timeout=10).json()["errorCode"] == "E0000007"


def test_dynamic_registration_lifecycle(server, admin_token):
    metadata = requests.get(f"{server}/oauth2/default/.well-known/oauth-authorization-server", timeout=10).json()
    registered = requests.post(
        metadata["registration_endpoint"],
        json={"client_name": "DCR client", "grant_types": ["client_credentials"], "scope": "hello:read"},
        headers={"Authorization": f"Bearer {admin_token}"},
        timeout=10,
    )
    assert registered.status_code == 201, registered.text
    client = registered.json()
    access_token = token_response(server, client["client_id"], client["client_secret"]).json()["access_token"]
    assert hello(server, access_token).json() == "Hello World!"

    management = {"Authorization": f"Bearer {client['registration_access_token']}"}
    read = requests.get(client["registration_client_uri"], headers=management, timeout=10)
    assert read.json()["client_name"] == "DCR client"
    update = {"client_name": "Renamed", "grant_types": ["client_credentials"], "scope": "hello:read"}
    updated = requests.put(client["registration_client_uri"], json=update, headers=management, timeout=10)
    assert updated.status_code == 200, updated.text
    management = {"Authorization": f"Bearer {updated.json()['registration_access_token']}"}
    assert requests.delete(client["registration_client_uri"], headers=management, timeout=10).status_code == 204
    assert token_response(server, client["client_id"], client["client_secret"]).status_code == 401
