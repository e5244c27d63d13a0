"""A dead shared cache degrades the key-set cache to process memory: tokens keep validating, never a 500."""

import logging

import pytest

from api.jwks import KeySet
from api.sharedcache import SharedCache
from conftest import ISSUER, KID, claims_at, raw_token
from tests.api.brokencache import DEAD_CACHES

KEYS = f"{ISSUER}/v1/keys"


@pytest.fixture(params=list(DEAD_CACHES))
def dead_cache(request, settings):
    settings.CACHES = {**settings.CACHES, "dead": DEAD_CACHES[request.param]}
    settings.API_AUTH = {**settings.API_AUTH, "CACHE_ALIAS": "dead"}


def test_tokens_validate_with_the_shared_cache_down(dead_cache, api_client, rsa_key, issuer_http, clock, caplog):
    caplog.set_level(logging.WARNING, logger="api.sharedcache")
    for _ in range(5):
        token = raw_token({"alg": "RS256", "kid": KID}, claims_at(clock.now), rsa_key)
        response = api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
        assert response.status_code == 200
        clock.advance(10)
    assert sum(call.request.url == KEYS for call in issuer_http.calls) == 1
    assert "kept in process memory" in caplog.text


def test_cooldown_still_holds_per_process_with_the_shared_cache_down(dead_cache, issuer_http, clock):
    worker = KeySet(ISSUER)
    worker.get_key(KID)
    clock.advance(31)
    for index in range(200):
        clock.advance(0.1)
        with pytest.raises(Exception, match="does not publish"):
            worker.get_key(f"forged-{index}")
    assert sum(call.request.url == KEYS for call in issuer_http.calls) <= 2


def test_outage_of_both_issuer_and_cache_is_503_not_500(dead_cache, api_client, rsa_key, clock):
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False):
        token = raw_token({"alg": "RS256", "kid": KID}, claims_at(clock.now), rsa_key)
        response = api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()


def test_local_fallback_add_is_atomic_and_expires(settings):
    settings.CACHES = {**settings.CACHES, "dead": DEAD_CACHES["broken backend"]}
    now = [1000.0]
    shared = SharedCache("dead", timer=lambda: now[0])
    assert shared.add("slot", "busy", timeout=30)
    assert not shared.add("slot", "busy", timeout=30)
    shared.set("entry", {"a": 1}, timeout=None)
    assert shared.get("entry") == {"a": 1}
    now[0] += 31
    assert shared.add("slot", "busy", timeout=30)
    shared.delete("entry")
    assert shared.get("entry") is None
