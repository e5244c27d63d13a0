"""A key set refreshed anywhere reaches every worker within JWKS_RECHECK_INTERVAL, at one cache read per interval."""

import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import rsa

from api.exceptions import TokenError
from api.jwks import KeySet, get_key_set
from api.token_cache import get_token_cache
from conftest import ISSUER, KID, public_jwk
from tests.api.test_jwks import KEYS, bearer, key_fetches, token_at

INTERVAL = 5


@pytest.fixture
def second_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture(autouse=True)
def interval(settings):
    settings.API_AUTH = {**settings.API_AUTH, "JWKS_RECHECK_INTERVAL": INTERVAL}


def counting_reads(worker: KeySet) -> list[str]:
    """Record the shared-cache reads of one worker (its `shared.get`), by key."""
    reads: list[str] = []
    get = worker.shared.get

    def counted(key):
        reads.append(key)
        return get(key)

    worker.shared.get = counted
    return reads


def test_each_worker_reads_the_shared_cache_once_per_interval_whatever_the_traffic(issuer_http, clock):
    workers = [KeySet(ISSUER) for _ in range(3)]
    for worker in workers:
        worker.get_key(KID)  # warm: the first fetches and shares, the others adopt
    reads = [counting_reads(worker) for worker in workers]
    for _ in range(480):  # a minute of traffic, eight requests per second on every worker
        clock.advance(0.125)
        for worker in workers:
            assert worker.get_key(KID).kid == KID
    # 60 s / 5 s: twelve looks at the shared key set each, never one per request (480 each).
    assert [len(worker_reads) for worker_reads in reads] == [60 // INTERVAL] * 3
    assert all(set(worker_reads) == {workers[0].cache_key} for worker_reads in reads)
    assert key_fetches(issuer_http) == 1


def test_a_key_pulled_at_the_issuer_leaves_every_worker_within_the_interval(issuer_http, rsa_key, second_key, clock):
    workers = [KeySet(ISSUER) for _ in range(4)]
    for worker in workers:
        worker.get_key(KID)
    clock.advance(1)
    # The issuer pulls its key (rotate_signing_key --compromised) and an operator runs `jwks refresh`.
    issuer_http.replace(responses.GET, KEYS, json={"keys": [public_jwk(second_key, kid="key-2")]})
    KeySet(ISSUER).refresh_now()
    clock.advance(INTERVAL)
    for worker in workers:
        with pytest.raises(TokenError):
            worker.get_key(KID)
        assert worker.get_key("key-2").kid == "key-2"
    assert key_fetches(issuer_http) == 2  # the refresh only: the workers read the shared copy


def test_workers_see_a_refresh_no_later_than_the_interval_and_not_before_their_next_look(
    issuer_http, second_key, clock
):
    worker = KeySet(ISSUER)
    worker.get_key(KID)
    clock.advance(INTERVAL - 1)
    issuer_http.replace(responses.GET, KEYS, json={"keys": [public_jwk(second_key, kid="key-2")]})
    KeySet(ISSUER).refresh_now()
    reads = counting_reads(worker)
    assert worker.get_key(KID).kid == KID  # its look is due one second later
    assert reads == []
    clock.advance(1)
    with pytest.raises(TokenError):
        worker.get_key(KID)


def test_a_shared_key_set_stamped_earlier_by_a_slower_clock_is_adopted(issuer_http, second_key, clock):
    """The shared document is the truth: a host whose clock runs behind may be the one that refreshed."""
    worker = KeySet(ISSUER)
    worker.get_key(KID)
    issuer_http.replace(responses.GET, KEYS, json={"keys": [public_jwk(second_key, kid="key-2")]})
    behind = KeySet(ISSUER)
    behind.timer = lambda: clock.now - 30
    behind.refresh_now()
    clock.advance(INTERVAL)
    assert worker.get_key("key-2").kid == "key-2"


def test_the_verified_token_cache_drops_the_tokens_of_a_pulled_key(api_client, rsa_key, second_key, issuer_http, clock):
    old = token_at(clock, rsa_key)
    for _ in range(3):  # from the second validation on, the token is served from the cache
        assert bearer(api_client, old).status_code == 200
    cache = get_token_cache()
    assert len(cache) == 1
    issuer_http.replace(responses.GET, KEYS, json={"keys": [public_jwk(second_key, kid="key-2")]})
    KeySet(ISSUER).refresh_now()
    assert bearer(api_client, old).status_code == 200  # this worker's next look is not due yet
    clock.advance(INTERVAL)
    new = token_at(clock, second_key, kid="key-2")
    assert bearer(api_client, new).status_code == 200  # its look adopts the refreshed set ...
    assert len(cache) == 0  # ... and the pulled key's token is gone from the cache at once
    response = bearer(api_client, old)
    assert response.status_code == 401
    assert "does not publish" in response.json()["error_description"]
    assert key_fetches(issuer_http) == 2
    assert get_key_set(ISSUER).snapshot.keys.keys() == {"key-2"}
