"""A rotation seen by many workers at once: the ones that lose the fetch slot wait for the winner's fetch."""

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from api.conf import api_settings
from api.exceptions import TokenError
from api.jwks import KeySet
from conftest import ISSUER, public_jwk

KEYS_URL = f"{ISSUER}/v1/keys"


@pytest.fixture
def rotated(issuer_http, rsa_key, jwks):
    """Two workers that know key 1; then the issuer publishes key 2 and the cooldown has passed."""

    def rotate(clock) -> tuple[KeySet, KeySet]:
        first, second = KeySet(ISSUER), KeySet(ISSUER)
        assert first.get_key("test-key-1") and second.get_key("test-key-1")
        new_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        issuer_http.replace("GET", KEYS_URL, json={"keys": [*jwks["keys"], public_jwk(new_key, kid="test-key-2")]})
        clock.advance(api_settings.JWKS_REFRESH_COOLDOWN + 1)
        return first, second

    return rotate


def jwks_calls(issuer_http) -> int:
    return sum(call.request.url == KEYS_URL for call in issuer_http.calls)


def test_a_worker_that_loses_the_fetch_waits_for_the_winner_and_accepts_the_new_key(issuer_http, rotated, clock):
    winner, loser = rotated(clock)
    slot = winner._slot_key(winner._window(clock()))
    assert winner.shared.add(slot, "busy", timeout=60)  # the winner is fetching right now

    def winner_finishes_while_the_loser_waits(seconds: float) -> None:
        clock.sleep(seconds)
        if winner.shared.get(slot) == "busy":
            winner.fetch(clock())
            winner.shared.set(slot, "done", timeout=60)

    loser.sleep = winner_finishes_while_the_loser_waits
    assert loser.get_key("test-key-2").kid == "test-key-2"
    assert jwks_calls(issuer_http) == 2  # the first fetch, and the winner's after the rotation


def test_the_wait_for_a_fetch_that_never_finishes_is_bounded(issuer_http, rotated, clock):
    winner, loser = rotated(clock)
    start = clock()
    assert winner.shared.add(winner._slot_key(winner._window(start)), "busy", timeout=60)
    with pytest.raises(TokenError, match="does not publish"):
        loser.get_key("test-key-2")
    assert clock() - start <= api_settings.JWKS_COLD_START_WAIT + 0.1
    assert jwks_calls(issuer_http) == 1


def test_a_forged_kid_in_the_same_window_costs_no_wait_once_the_fetch_is_done(issuer_http, rotated, clock):
    winner, loser = rotated(clock)
    assert winner.get_key("test-key-2")  # the winner fetched the rotation
    start = clock()
    with pytest.raises(TokenError, match="does not publish"):
        loser.get_key("forged-kid")
    assert clock() == start
    assert jwks_calls(issuer_http) == 2
