"""The embedded issuer over real HTTP: an RFC 7592 update cannot widen a client's grant, and
introspection answers a client about its own tokens only (RFC 7662 §4)."""

import pytest
import requests

from authserver.models import AdminApiToken
from authserver.service_clients import create_service_client
from tests.support.tokens import client_credentials_token

pytestmark = pytest.mark.e2e


def test_a_registration_access_token_cannot_widen_the_grant(live_server):
    initial = AdminApiToken.issue("e2e ceiling")[1]
    registered = requests.post(
        f"{live_server.url}/oauth2/v1/clients",
        json={"client_name": "Narrow", "grant_types": ["client_credentials"], "scope": "hello:read"},
        headers={"Authorization": f"Bearer {initial}"},
        timeout=20,
    ).json()
    update = {
        "client_id": registered["client_id"],
        "grant_types": ["client_credentials"],
        "scope": "hello:read clients:manage clients:register",
    }
    response = requests.put(
        registered["registration_client_uri"],
        json=update,
        headers={"Authorization": f"Bearer {registered['registration_access_token']}"},
        timeout=20,
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_client_metadata"
    escalated = requests.post(
        f"{live_server.url}/oauth2/default/v1/token",
        data={"grant_type": "client_credentials", "scope": "clients:manage"},
        auth=(registered["client_id"], registered["client_secret"]),
        timeout=20,
    )
    assert escalated.status_code == 400 and escalated.json()["error"] == "invalid_scope"


def test_introspection_of_another_clients_token_needs_the_permission(live_server):
    issuer = f"{live_server.url}/oauth2/default"
    _, owner_secret = create_service_client(label="Owner", scopes=["hello:read"], client_id="owner")
    _, peer_secret = create_service_client(label="Peer", scopes=["hello:read"], client_id="peer")
    _, rs_secret = create_service_client(
        label="Resource server", scopes=["hello:read", "tokens:introspect"], client_id="resource-server"
    )
    token = client_credentials_token(issuer, "owner", owner_secret)

    def introspect(client_id: str, secret: str) -> dict:
        response = requests.post(f"{issuer}/v1/introspect", data={"token": token}, auth=(client_id, secret), timeout=20)
        assert response.status_code == 200
        return response.json()

    assert introspect("owner", owner_secret)["active"] is True
    assert introspect("peer", peer_secret) == {"active": False}
    assert introspect("resource-server", rs_secret)["client_id"] == "owner"
