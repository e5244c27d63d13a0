"""RFC 7591/7592 at oidc-provider: a client registered there gets a token and calls our `GET /`.

These pin the wire contract a dynamic-registration backend relies on, as a real server speaks it.
"""

import pytest
import requests

from .conftest import HELLO_SCOPE, TIMEOUT

pytestmark = pytest.mark.interop

METADATA = {
    "client_name": "ccproject interop",
    "grant_types": ["client_credentials"],
    "response_types": [],
    "redirect_uris": [],
    "token_endpoint_auth_method": "client_secret_basic",
    "scope": HELLO_SCOPE,
}


def register(server, metadata: dict | None = None) -> requests.Response:
    return requests.post(server.registration_endpoint, json=metadata or METADATA, timeout=TIMEOUT)


def management(registered: dict, method: str = "GET") -> requests.Response:
    """RFC 7592 §2: the client configuration endpoint, with the registration access token."""
    return requests.request(
        method,
        registered["registration_client_uri"],
        headers={"Authorization": f"Bearer {registered['registration_access_token']}"},
        timeout=TIMEOUT,
    )


def test_register_read_use_and_delete_a_client(trust_oidc_provider, live_server):
    response = register(trust_oidc_provider)
    assert response.status_code == 201, response.text
    registered = response.json()
    # RFC 7591 §3.2.1 and RFC 7592 §3: what a backend must keep (id; token and URI, encrypted).
    assert {"client_id", "client_secret", "registration_access_token", "registration_client_uri"} <= set(registered)
    assert registered["grant_types"] == ["client_credentials"]
    assert response.headers.get("Cache-Control") == "no-store"

    read = management(registered)
    assert read.status_code == 200
    assert read.json()["client_id"] == registered["client_id"]
    assert read.json()["client_name"] == METADATA["client_name"]

    token = trust_oidc_provider.token(client_id=registered["client_id"], client_secret=registered["client_secret"])
    hello = requests.get(live_server.url + "/", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)
    assert hello.status_code == 200, hello.text
    assert hello.json() == "Hello World!"

    assert management(registered, "DELETE").status_code == 204
    # RFC 7592 §2.3: the client is gone, its credentials and its registration access token too.
    assert management(registered).status_code == 401
    refused = trust_oidc_provider.token_response(
        client_id=registered["client_id"], client_secret=registered["client_secret"]
    )
    assert refused.status_code == 401
    assert refused.json()["error"] == "invalid_client"


def test_registration_access_token_is_bound_to_its_client(oidc_provider):
    first, second = register(oidc_provider).json(), register(oidc_provider).json()
    crossed = {**second, "registration_access_token": first["registration_access_token"]}
    assert management(crossed).status_code == 401
    assert management(second).status_code == 200
    # oidc-provider also revokes a registration access token presented for another client, so a
    # backend must treat a 401 from the configuration endpoint as "this credential is gone".
    assert management(first).status_code == 401
    assert management(second, "DELETE").status_code == 204


@pytest.mark.parametrize(
    ("metadata", "error"),
    [
        ({**METADATA, "grant_types": ["password"]}, "invalid_client_metadata"),
        ({**METADATA, "token_endpoint_auth_method": "no-such-method"}, "invalid_client_metadata"),
    ],
)
def test_invalid_metadata_is_refused_with_rfc_7591_errors(oidc_provider, metadata, error):
    response = register(oidc_provider, metadata)
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert response.json()["error_description"]
