"""Key rotation over real HTTP: old tokens keep working, new ones carry the new kid, the API follows unrestarted."""

import time
from io import StringIO

import jwt
import pytest
import requests
from django.core.cache import caches
from django.core.management import call_command
from django.utils import timezone

from api.conf import api_settings
from api.jwks import KeySet, reset_key_sets
from authserver.conf import authserver_settings
from authserver.keys import ensure_signing_key, token_lifetime_bound
from authserver.models import SigningKey
from authserver.service_clients import create_service_client
from tests.support.tokens import client_credentials_token

pytestmark = pytest.mark.e2e

SECRET = "rotation-secret-" + "z" * 40


@pytest.fixture
def issuer(live_server, settings):
    issuer = f"{live_server.url}/oauth2/default"
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": issuer}
    create_service_client(
        label="Rotation Client",
        scopes=["hello:read"],
        client_id="rotation-client",
        secret=SECRET,
    )[0]
    return issuer


def get_token(issuer: str) -> str:
    return client_credentials_token(issuer, "rotation-client", SECRET)


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
    new = SigningKey.objects.first()
    assert new.kid != old_kid
    # Published at once, signing only after the pre-publication period.
    published = requests.get(f"{issuer}/v1/keys", timeout=10).json()["keys"]
    assert [key["kid"] for key in published] == [new.kid, old_kid]
    assert jwt.get_unverified_header(get_token(issuer))["kid"] == old_kid

    # The pre-publication period passes, for the issuer (its clock is the database's) and the API.
    now = timezone.now()
    SigningKey.objects.filter(kid=new.kid).update(activates_at=now)
    SigningKey.objects.filter(kid=old_kid).update(deactivated_at=now, publish_until=now + token_lifetime_bound())
    clock["seconds"] = authserver_settings.KEY_PREPUBLISH_SECONDS
    assert authserver_settings.KEY_PREPUBLISH_SECONDS >= api_settings.JWKS_REFRESH_COOLDOWN

    after = get_token(issuer)
    assert jwt.get_unverified_header(after)["kid"] == new.kid
    # The API fetched before the rotation, so it lacks the new kid; its last fetch is older than
    # its refresh cooldown (the pre-publication period sees to that), so it refetches: no restart.
    assert call_api(live_server, after).status_code == 200
    # Tokens signed before the rotation keep validating until they expire...
    assert call_api(live_server, before).status_code == 200
    # ...also for an API instance that starts after the rotation (the old key is still published).
    reset_key_sets()
    caches["default"].clear()
    assert call_api(live_server, before).status_code == 200
    assert call_api(live_server, after).status_code == 200


def test_immediate_rotation_waits_for_the_api_cooldown(issuer, live_server, clock):
    """Why keys are published before they sign: `--immediately` leaves a window of refused tokens."""
    ensure_signing_key()
    assert call_api(live_server, get_token(issuer)).status_code == 200
    call_command("rotate_signing_key", "--immediately", stdout=StringIO())
    after = get_token(issuer)
    assert call_api(live_server, after).status_code == 401  # Unknown kid within the API's refresh cooldown.
    clock["seconds"] = api_settings.JWKS_REFRESH_COOLDOWN
    assert call_api(live_server, after).status_code == 200
