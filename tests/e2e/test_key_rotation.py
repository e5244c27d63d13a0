"""Key rotation over real HTTP: old tokens keep working, new ones carry the new kid, the API follows unrestarted."""

import time
from io import StringIO

import jwt
import pytest
import requests
from django.core.cache import caches
from django.core.management import call_command

from api.conf import api_settings
from api.jwks import KeySet, reset_key_sets
from authserver.keys import current_signing_key, ensure_signing_key
from authserver.models import Client

pytestmark = pytest.mark.e2e

SECRET = "rotation-secret-" + "z" * 40


@pytest.fixture
def issuer(live_server, settings):
    issuer = f"{live_server.url}/oauth2/default"
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": issuer}
    Client.objects.create(
        name="Rotation Client",
        client_id="rotation-client",
        client_secret=SECRET,
        client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_CLIENT_CREDENTIALS,
        allowed_scopes="hello:read",
    )
    return issuer


def get_token(issuer: str) -> str:
    response = requests.post(
        f"{issuer}/v1/token",
        data={"grant_type": "client_credentials", "scope": "hello:read"},
        auth=("rotation-client", SECRET),
        timeout=10,
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def call_api(live_server, token: str) -> requests.Response:
    return requests.get(live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10)


@pytest.fixture
def clock(monkeypatch) -> dict:
    """The API key set's clock, which the test moves forward (time is injected, never slept on)."""
    offset = {"seconds": 0.0}
    monkeypatch.setattr(KeySet, "timer", staticmethod(lambda: time.time() + offset["seconds"]))
    return offset


def test_rotation_end_to_end(issuer, live_server, clock):
    old_kid = ensure_signing_key().kid
    before = get_token(issuer)
    assert call_api(live_server, before).status_code == 200  # The API now holds the old key set.

    call_command("rotate_signing_key", stdout=StringIO())
    new_kid = current_signing_key().kid
    assert new_kid != old_kid

    after = get_token(issuer)
    assert jwt.get_unverified_header(after)["kid"] == new_kid
    # The API's cached key set lacks the new kid: once its refresh cooldown since the last fetch
    # has passed, the unknown kid makes it fetch the JWKS again (no restart).
    clock["seconds"] = api_settings.JWKS_REFRESH_COOLDOWN + 1
    assert call_api(live_server, after).status_code == 200
    # Tokens signed before the rotation keep validating until they expire...
    assert call_api(live_server, before).status_code == 200
    # ...also for an API instance that starts after the rotation (the old key is still published).
    reset_key_sets()
    caches["default"].clear()
    assert call_api(live_server, before).status_code == 200
    assert call_api(live_server, after).status_code == 200
    published = requests.get(f"{issuer}/v1/keys", timeout=10).json()["keys"]
    assert [key["kid"] for key in published] == [new_kid, old_kid]
