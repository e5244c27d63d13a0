"""Issuer profiles end to end: a vendor-shaped issuer on loopback, this API on a live server, real HTTP between.

`trust(issuer, **api_auth)` points the API at the issuer (discovery and keys over HTTP, from
the vendor's path layout); `call(token)` sends `GET /` with it; `principal(token)` validates it
in this process against the same issuer (its keys fetched over HTTP), for the client id and
scopes the API would see.
"""

import pytest
import requests

from api.validation import validate_token
from tests.support.vendor_issuer import VendorIssuer


@pytest.fixture
def trust(settings):
    def configure(issuer: VendorIssuer, **api_auth) -> None:
        settings.API_AUTH = {**settings.API_AUTH, "ISSUER": issuer.issuer, "JWKS_URI": None, **api_auth}

    return configure


@pytest.fixture
def call(live_server):
    def get(token: str) -> requests.Response:
        return requests.get(
            live_server.url + "/",
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=30,
        )

    return get


def principal(token: str) -> tuple[str, frozenset[str]]:
    validated = validate_token(token)
    return validated.client_id, validated.scopes


def refused(response: requests.Response, status: int, error: str) -> str:
    """Assert an RFC 6750 refusal; its description."""
    assert response.status_code == status, response.text
    assert response.json()["error"] == error
    assert f'error="{error}"' in response.headers["WWW-Authenticate"]
    return response.json()["error_description"]


def serve(**layout) -> VendorIssuer:
    return VendorIssuer(**layout).start()
