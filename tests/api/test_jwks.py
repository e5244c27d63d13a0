"""The key-set cache against an issuer faked at the transport layer: sharing, freshness, cooldown, outages."""

import json
import logging
import random
import string

import pytest
import requests
import responses
from cryptography.hazmat.primitives.asymmetric import rsa

from api.exceptions import KeysUnavailable, TokenError
from api.jwks import KeySet
from conftest import ISSUER, KID, claims_at, public_jwk, raw_token

METADATA = "https://issuer.test/.well-known/oauth-authorization-server/oauth2/default"
KEYS = f"{ISSUER}/v1/keys"


def key_fetches(mock) -> int:
    return sum(call.request.url == KEYS for call in mock.calls)


def bearer(api_client, token: str):
    return api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_ACCEPT="application/json")


def token_at(clock, key, kid: str = KID, **claims) -> str:
    return raw_token({"alg": "RS256", "kid": kid, "typ": "at+jwt"}, claims_at(clock.now, **claims), key)


@pytest.fixture
def second_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def test_one_fetch_serves_many_requests(api_client, rsa_key, issuer_http, clock):
    for _ in range(20):
        assert bearer(api_client, token_at(clock, rsa_key)).status_code == 200
        clock.advance(60)
    assert key_fetches(issuer_http) == 1
    assert sum(call.request.url == METADATA for call in issuer_http.calls) == 1


def test_workers_sharing_one_cache_fetch_once_per_expiry(issuer_http, clock):
    workers = [KeySet(ISSUER) for _ in range(8)]
    for worker in workers:
        assert worker.get_key(KID).kid == KID
    assert key_fetches(issuer_http) == 1
    for _ in range(3):  # three expiries: one fetch each, whoever notices first
        clock.advance(3601)
        for worker in random.sample(workers, len(workers)):
            assert worker.get_key(KID).kid == KID
    assert key_fetches(issuer_http) == 4
    # Discovery was shared too: one worker discovered, the others read the jwks_uri from the cache.
    assert sum(call.request.url == METADATA for call in issuer_http.calls) == 1


def test_while_one_worker_refreshes_the_others_serve_known_keys(issuer_http, jwks, clock):
    refresher, others = KeySet(ISSUER), [KeySet(ISSUER) for _ in range(4)]
    for worker in (refresher, *others):
        worker.get_key(KID)
    clock.advance(3601)
    served_during_refresh = []

    def slow_issuer(request):
        # Mid-fetch, the other workers get requests: they must not fetch, and must not fail.
        served_during_refresh.extend(worker.get_key(KID).kid for worker in others)
        return 200, {"Cache-Control": "max-age=3600"}, json.dumps(jwks)

    issuer_http.remove(responses.GET, KEYS)
    issuer_http.add_callback(responses.GET, KEYS, callback=slow_issuer)
    assert refresher.get_key(KID).kid == KID
    assert served_during_refresh == [KID] * 4
    assert key_fetches(issuer_http) == 2


def test_threads_racing_on_a_cold_cache_fetch_once(issuer_http, settings):
    """Real concurrency on the shared cache's atomic `add` (Redis when CACHE_URL says so)."""
    import threading

    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        settings.CACHES = {**settings.CACHES, "race": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
        settings.API_AUTH = {**settings.API_AUTH, "CACHE_ALIAS": "race"}
    workers = [KeySet(ISSUER) for _ in range(8)]
    barrier, results = threading.Barrier(len(workers)), []

    def run(worker):
        barrier.wait(timeout=10)
        try:
            results.append(worker.get_key(KID).kid)
        except Exception as exc:  # recorded, so the assertion below shows it
            results.append(repr(exc))

    threads = [threading.Thread(target=run, args=(worker,)) for worker in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert results == [KID] * len(workers)
    assert key_fetches(issuer_http) == 1


def random_kid() -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=24))


def test_a_burst_of_random_kids_costs_one_fetch_per_cooldown_window(api_client, rsa_key, issuer_http, clock):
    assert bearer(api_client, token_at(clock, rsa_key)).status_code == 200
    start, workers = clock.now, [KeySet(ISSUER) for _ in range(4)]
    header_claims = claims_at(clock.now, exp=int(clock.now) + 10**6)
    for index in range(1000):
        clock.advance(0.1)
        forged = raw_token({"alg": "RS256", "kid": random_kid()}, header_claims) + "c2lnbmF0dXJl"
        if index % 2:
            assert bearer(api_client, forged).status_code == 401
        else:
            with pytest.raises(TokenError, match="does not publish"):
                workers[index % 4].get_key(random_kid())
    windows = int((clock.now - start) // 30) + 1
    assert 1 < key_fetches(issuer_http) <= 1 + windows  # the warm-up, then at most one per window


def test_an_unknown_kid_is_remembered_for_the_window(issuer_http, clock):
    worker = KeySet(ISSUER)
    worker.get_key(KID)
    clock.advance(31)
    for _ in range(50):
        with pytest.raises(TokenError):
            worker.get_key("never-published")
    assert key_fetches(issuer_http) == 2


def test_forged_tokens_failing_cheap_checks_never_fetch(api_client, rsa_key, issuer_http, clock):
    for claims in ({"exp": int(clock.now) - 3600}, {"iss": "https://evil.test"}):
        assert bearer(api_client, token_at(clock, rsa_key, kid=random_kid(), **claims)).status_code == 401
    forged_alg = raw_token({"alg": "HS256", "kid": random_kid()}, claims_at(clock.now), b"k" * 32)
    assert bearer(api_client, forged_alg).status_code == 401
    assert key_fetches(issuer_http) == 0


def test_a_rotation_is_picked_up_on_the_first_token_with_the_new_kid(
    api_client, rsa_key, second_key, jwks, issuer_http, clock
):
    assert bearer(api_client, token_at(clock, rsa_key)).status_code == 200
    clock.advance(31)  # the issuer rotates: the new key is published alongside the old one
    issuer_http.replace(responses.GET, KEYS, json={"keys": [*jwks["keys"], public_jwk(second_key, kid="key-2")]})
    assert bearer(api_client, token_at(clock, second_key, kid="key-2")).status_code == 200
    assert bearer(api_client, token_at(clock, rsa_key)).status_code == 200
    assert key_fetches(issuer_http) == 2
    # Another worker sees the rotation in the shared cache without asking the issuer.
    assert KeySet(ISSUER).get_key("key-2").kid == "key-2"
    assert key_fetches(issuer_http) == 2


def fail_everything(mock, exc=None, status=None):
    for url in (METADATA, KEYS):
        if exc is not None:
            mock.replace(responses.GET, url, body=exc)
        else:
            mock.replace(responses.GET, url, status=status)


def test_an_outage_after_warm_up_loses_no_valid_request_until_max_staleness(
    api_client, rsa_key, issuer_http, clock, caplog
):
    assert bearer(api_client, token_at(clock, rsa_key)).status_code == 200
    fail_everything(issuer_http, exc=requests.ConnectionError("down"))
    caplog.set_level(logging.WARNING, logger="api.jwks")
    elapsed = 0
    while elapsed + 997 < 86400 - 60:
        clock.advance(997)
        elapsed += 997
        assert bearer(api_client, token_at(clock, rsa_key)).status_code == 200
    attempts = key_fetches(issuer_http) - 1
    assert 0 < attempts <= elapsed // 30 + 1
    assert "serving the keys fetched" in caplog.text
    assert rsa_key.__class__.__name__ not in caplog.text
    clock.advance(86400 - elapsed)  # beyond the maximum staleness: no key may be trusted any more
    response = bearer(api_client, token_at(clock, rsa_key))
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 1
    assert "WWW-Authenticate" not in response


def test_an_outage_before_warm_up_is_503_then_recovers(api_client, rsa_key, issuer_http, jwks, clock):
    fail_everything(issuer_http, status=503)
    response = bearer(api_client, token_at(clock, rsa_key))
    assert response.status_code == 503
    assert response.json()["error"] == "temporarily_unavailable"
    assert 1 <= int(response["Retry-After"]) <= 30
    assert "WWW-Authenticate" not in response
    before = len(issuer_http.calls)
    for _ in range(20):  # the same window: nobody asks the issuer again, everyone gets 503 at once
        assert bearer(api_client, token_at(clock, rsa_key)).status_code == 503
    assert len(issuer_http.calls) == before
    # The issuer comes back: failed discovery was not remembered, the next window succeeds.
    issuer_http.replace(responses.GET, METADATA, json={"issuer": ISSUER, "jwks_uri": KEYS})
    issuer_http.replace(responses.GET, KEYS, json=jwks)
    clock.advance(30)
    assert bearer(api_client, token_at(clock, rsa_key)).status_code == 200


BAD_BODIES = {
    "timeout": {"body": requests.Timeout("read timed out")},
    "connection refused": {"body": requests.ConnectionError("refused")},
    "server error": {"status": 500, "json": {"keys": []}},
    "html": {"body": "<html><body>Maintenance</body></html>", "content_type": "text/html"},
    "invalid json": {"body": '{"keys": [', "content_type": "application/json"},
    "json array": {"json": [{"kty": "RSA"}]},
    "keys not a list": {"json": {"keys": "none"}},
    "no usable key": {"json": {"keys": [{"kty": "oct", "kid": "h", "k": "c2VjcmV0"}]}},
    "empty key set": {"json": {"keys": []}},
    "huge body": {"body": '{"keys": [], "pad": "' + "x" * 2_000_000 + '"}'},
    "redirect": {"status": 302, "headers": {"Location": "https://evil.test/keys"}},
    "not modified": {"status": 304},
}


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_bad_answers_never_poison_the_cache(name, api_client, rsa_key, issuer_http, clock):
    assert bearer(api_client, token_at(clock, rsa_key)).status_code == 200
    cached = KeySet(ISSUER).shared.get(KeySet(ISSUER).cache_key)
    issuer_http.replace(responses.GET, KEYS, **BAD_BODIES[name])
    clock.advance(3601)
    assert bearer(api_client, token_at(clock, rsa_key)).status_code == 200
    assert key_fetches(issuer_http) == 2
    assert KeySet(ISSUER).shared.get(KeySet(ISSUER).cache_key) == cached
    assert all(call.request.url.startswith("https://issuer.test/") for call in issuer_http.calls)


@pytest.mark.parametrize("name", list(BAD_BODIES))
def test_bad_answers_on_a_cold_cache_are_503_and_cache_nothing(name, api_client, rsa_key, issuer_http, clock):
    issuer_http.replace(responses.GET, KEYS, **BAD_BODIES[name])
    response = bearer(api_client, token_at(clock, rsa_key))
    assert response.status_code == 503
    worker = KeySet(ISSUER)
    assert worker.shared.get(worker.cache_key) is None
    assert worker.status()["last_failure"]["reason"]


@pytest.mark.parametrize(
    ("cache_control", "expected_ttl"),
    [("max-age=5", 300), ("max-age=600", 600), ("public, max-age=999999999", 86400), (None, 3600), ("no-store", 3600)],
)
def test_max_age_is_clamped(cache_control, expected_ttl, issuer_http, jwks, clock):
    headers = {"Cache-Control": cache_control} if cache_control else {}
    issuer_http.replace(responses.GET, KEYS, json=jwks, headers=headers)
    snapshot = KeySet(ISSUER).fetch(clock.now)
    assert snapshot.fresh_until - snapshot.fetched_at == expected_ttl


def test_ttl_bounds_follow_settings(issuer_http, jwks, clock, settings):
    settings.API_AUTH = {**settings.API_AUTH, "JWKS_MIN_TTL": 10, "JWKS_MAX_TTL": 20, "JWKS_TTL": 15}
    issuer_http.replace(responses.GET, KEYS, json=jwks, headers={"Cache-Control": "max-age=5"})
    snapshot = KeySet(ISSUER).fetch(clock.now)
    assert snapshot.fresh_until - snapshot.fetched_at == 10


def test_jwks_uri_setting_skips_discovery(api_client, rsa_key, issuer_http, clock, settings):
    settings.API_AUTH = {**settings.API_AUTH, "JWKS_URI": KEYS}
    assert bearer(api_client, token_at(clock, rsa_key)).status_code == 200
    assert [call.request.url for call in issuer_http.calls] == [KEYS]


def test_keys_moved_by_the_issuer_are_rediscovered(issuer_http, jwks, clock):
    worker = KeySet(ISSUER)
    worker.get_key(KID)
    moved = f"{ISSUER}/v2/keys"
    issuer_http.replace(responses.GET, KEYS, status=404)
    issuer_http.replace(responses.GET, METADATA, json={"issuer": ISSUER, "jwks_uri": moved})
    issuer_http.get(moved, json=jwks)
    clock.advance(3601)
    worker.get_key(KID)  # the 404: known keys keep serving, the cached jwks_uri is dropped
    clock.advance(30)
    worker.get_key(KID)
    assert worker.snapshot.jwks_uri == moved


@pytest.mark.parametrize(
    ("issuer", "debug", "fetched"),
    [
        ("http://issuer.example/oauth2/default", False, False),
        ("http://127.0.0.1:9/oauth2/default", False, True),
        ("http://localhost:9/oauth2/default", False, True),
        ("http://issuer.example/oauth2/default", True, True),
    ],
)
def test_plain_http_only_for_loopback_or_debug(issuer, debug, fetched, settings, clock):
    settings.DEBUG = debug
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.add_passthru("http://nothing")  # unregistered URLs raise ConnectionError
        with pytest.raises(KeysUnavailable):
            KeySet(issuer).get_key(KID)
        assert (len(mock.calls) > 0) == fetched


def test_discovery_naming_an_http_jwks_uri_is_refused(clock):
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(METADATA, json={"issuer": ISSUER, "jwks_uri": "http://issuer.test/keys"})
        with pytest.raises(KeysUnavailable):
            KeySet(ISSUER).get_key(KID)
        assert "http://issuer.test/keys" not in [call.request.url for call in mock.calls]


def test_a_peer_finishing_its_fetch_while_a_cold_worker_looks_is_not_missed(issuer_http):
    """The cold-start race seen under load: the peer shares its keys and marks its slot done
    between the waiting worker's two reads; the waiting worker must still answer with the key."""
    peer, waiting = KeySet(ISSUER), KeySet(ISSUER)
    window = peer._claim_slot(peer.timer())
    assert window is not None
    slot = peer._slot_key(window)
    read = waiting.shared.get

    def get(key, *args, **kwargs):
        if key == slot and read(slot) == "busy":  # the peer finishes right around this read
            peer.fetch(peer.timer())
            peer.shared.set(slot, "done", timeout=60)
        return read(key, *args, **kwargs)

    waiting.shared.get = get
    assert waiting.get_key(KID).kid == KID
    assert key_fetches(issuer_http) == 1
