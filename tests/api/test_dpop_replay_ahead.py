"""The replay question asked ahead of the proof check on Redis, for a client seen before (RFC 9449 §11.1).

A real private Redis: the `SET NX EX` leaves before the signature is verified and its answer is
read after; it still counts once per request, for the very proof checked, and only for a token
bound to the proof's key that was validated before.
"""

import pytest
import redis
from django.urls import path

from ccproject.dpop_signer import DPoPKey
from ccproject.redis_cache import RedisCache
from tests.api.test_dpop import WhoView, call
from tests.support.redis_server import redis_cache

urlpatterns = [path("", WhoView.as_view())]
URL = "http://testserver/"


@pytest.fixture(autouse=True)
def _replay_on_redis(settings, issuer_http, private_redis):
    settings.ROOT_URLCONF = __name__
    settings.CACHES = {**settings.CACHES, "replay": redis_cache(private_redis.url, 6)}
    settings.API_AUTH = {**settings.API_AUTH, "CACHE_ALIAS": "replay"}


@pytest.fixture
def started(monkeypatch) -> list[str]:
    """The keys `start_add` sent, in order."""
    sent = []
    original = RedisCache.start_add

    def spy(self, key, *args, **kwargs):
        sent.append(key)
        return original(self, key, *args, **kwargs)

    monkeypatch.setattr(RedisCache, "start_add", spy)
    return sent


def set_commands(private_redis) -> int:
    stats = redis.Redis.from_url(private_redis.url).info("commandstats")
    return stats.get("cmdstat_set", {}).get("calls", 0)


def seen_client(api_client, make_token) -> tuple[DPoPKey, str]:
    """A key and a token bound to it, after the two requests that make both known to this process."""
    key = DPoPKey()
    token = make_token(cnf={"jkt": key.thumbprint})
    for _ in range(2):  # the token cache admits a token on its second validation
        assert call(api_client, token, key.proof("GET", URL, access_token=token)).status_code == 200
    return key, token


def test_a_client_seen_before_asks_ahead_once_a_request(api_client, make_token, started, private_redis):
    key, token = seen_client(api_client, make_token)
    before = set_commands(private_redis)
    proofs = [key.proof("GET", URL, access_token=token) for _ in range(4)]
    for proof in proofs:
        assert call(api_client, token, proof).status_code == 200
    assert len(started) == 4, "every request of a known client asked ahead"
    assert set_commands(private_redis) - before == 4, "one SET NX EX a request, no other"
    response = call(api_client, token, proofs[0])
    assert response.status_code == 401 and response.json()["error"] == "invalid_dpop_proof"
    assert "used before" in response.json()["error_description"]
    assert len(started) == 5 and set_commands(private_redis) - before == 5


def test_a_bad_signature_asked_ahead_is_refused_and_leaves_the_connection_clean(api_client, make_token, started):
    key, token = seen_client(api_client, make_token)
    proof = key.proof("GET", URL, access_token=token)
    head, claims, signature = proof.split(".")
    forged = f"{head}.{claims}.{signature[:20]}{'A' if signature[20] != 'A' else 'B'}{signature[21:]}"
    response = call(api_client, token, forged)
    assert response.status_code == 401 and response.json()["error"] == "invalid_dpop_proof"
    assert "signature" in response.json()["error_description"]
    assert started, "the forged proof's question was asked ahead, then its answer dropped"
    # The pool's connections carry no stale answer: the next questions get their own.
    for _ in range(3):
        assert call(api_client, token, key.proof("GET", URL, access_token=token)).status_code == 200


def test_no_question_ahead_without_a_validated_token_bound_to_the_proofs_key(api_client, make_token, started):
    key, _token = seen_client(api_client, make_token)
    started.clear()
    # A token never validated here, bound to the same key: checked first, asked after.
    fresh = make_token(cnf={"jkt": key.thumbprint})
    assert call(api_client, fresh, key.proof("GET", URL, access_token=fresh)).status_code == 200
    # A validated token of another client, with a proof by this known key: refused, nothing written ahead.
    other = DPoPKey()
    stolen = make_token(cnf={"jkt": other.thumbprint})
    for _ in range(2):
        assert call(api_client, stolen, other.proof("GET", URL, access_token=stolen)).status_code == 200
    started.clear()
    response = call(api_client, stolen, key.proof("GET", URL, access_token=stolen))
    assert response.status_code == 401 and response.json()["error"] == "invalid_token"
    assert started == [], "a proof's key that the token is not bound to never writes ahead of the checks"


def test_the_answer_counts_only_for_the_proof_it_was_asked_for(api_client, make_token, monkeypatch):
    """Were the early question ever about another (key, jti) than the checked proof, the store is asked again."""
    from api import authentication

    key, token = seen_client(api_client, make_token)
    monkeypatch.setattr(authentication, "known_proof_id", lambda proof: (key.thumbprint, "some-other-jti"))
    proof = key.proof("GET", URL, access_token=token)
    assert call(api_client, token, proof).status_code == 200
    response = call(api_client, token, proof)
    assert response.status_code == 401 and "used before" in response.json()["error_description"]


def test_redis_down_while_asking_ahead_fails_closed(api_client, make_token, settings, private_redis):
    key, token = seen_client(api_client, make_token)
    private_redis.stop()
    try:
        response = call(api_client, token, key.proof("GET", URL, access_token=token))
        assert response.status_code == 503 and int(response["Retry-After"]) > 0
        assert response.json()["error"] == "temporarily_unavailable"
    finally:
        private_redis.start()
    assert call(api_client, token, key.proof("GET", URL, access_token=token)).status_code == 200
