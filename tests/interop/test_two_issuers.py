"""Two trusted issuers at once, the embedded one and oidc-provider: each token checked by its own keys."""

import jwt
import pytest
import requests

from authserver.keys import current_signing_key, load_private_key
from authserver.service_clients import create_service_client
from tests.support.tokens import client_credentials_token

from .conftest import OIDC_AUDIENCE, OTHER_RESOURCE, TIMEOUT

pytestmark = [pytest.mark.interop, pytest.mark.e2e]

SECRET = "two-issuers-secret-" + "w" * 40


@pytest.fixture
def two_issuers(live_server, settings, oidc_provider) -> str:
    """ccproject trusting the embedded issuer (on the live server) and oidc-provider, each with its audience."""
    embedded = f"{live_server.url}/oauth2/default"
    create_service_client(
        label="Two Issuers",
        scopes=["hello:read"],
        client_id="two-issuers",
        secret=SECRET,
    )[0]
    # The embedded issuer's audience is the one oidc-provider mints for its *other* resource.
    settings.AUTHSERVER = {**settings.AUTHSERVER, "AUDIENCE": OTHER_RESOURCE}
    settings.API_AUTH = {
        **settings.API_AUTH,
        "ISSUERS": {
            embedded: {"AUDIENCE": OTHER_RESOURCE},
            oidc_provider.issuer: {"AUDIENCE": OIDC_AUDIENCE},
        },
    }
    return embedded


def embedded_token(issuer: str) -> str:
    return client_credentials_token(issuer, "two-issuers", SECRET, timeout=TIMEOUT)


def call_hello(live_server, token: str) -> requests.Response:
    return requests.get(live_server.url + "/", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)


def test_each_issuers_tokens_are_accepted(two_issuers, oidc_provider, live_server):
    for token in (embedded_token(two_issuers), oidc_provider.token()):
        response = call_hello(live_server, token)
        assert response.status_code == 200, response.text
        assert response.json() == "Hello World!"


def test_each_issuer_has_its_own_audience(two_issuers, oidc_provider, live_server):
    # An audience ccproject accepts, but only from the embedded issuer: refused from oidc-provider.
    foreign = oidc_provider.token(resource=OTHER_RESOURCE)
    assert jwt.decode(foreign, options={"verify_signature": False})["aud"] == OTHER_RESOURCE
    response = call_hello(live_server, foreign)
    assert response.status_code == 401
    assert "wrong audience" in response.json()["error_description"]


def test_a_token_is_never_verified_with_the_other_issuers_keys(two_issuers, oidc_provider, live_server):
    """Signed by the embedded issuer's real key, under its real kid, but claiming oidc-provider's `iss`."""
    embedded_token(two_issuers)  # the embedded issuer now has a key, and ccproject may have cached it
    assert call_hello(live_server, embedded_token(two_issuers)).status_code == 200
    key = current_signing_key()
    real = jwt.decode(oidc_provider.token(), options={"verify_signature": False})
    forged = jwt.encode(
        real,
        load_private_key(key.kid, key.private_key_pem),
        algorithm="RS256",
        headers={"kid": key.kid, "typ": "at+jwt"},
    )
    response = call_hello(live_server, forged)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert "does not publish" in response.json()["error_description"]
