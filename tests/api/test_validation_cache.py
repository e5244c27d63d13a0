"""`validate_token` with the verified-token cache: what a repeated token skips, and what it never skips."""

import gc
import logging
import time
import tracemalloc

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.exceptions import TokenError
from api.issuers import trusted_issuers
from api.jwks import get_key_set
from api.keys import VerificationKey
from api.sharedcache import SharedCache
from api.token_cache import digest_of, get_token_cache
from api.validation import validate_token
from conftest import ISSUER, public_jwk


@pytest.fixture
def verify_calls(monkeypatch) -> list[str]:
    """The kid of every signature check performed."""
    calls = []
    real = VerificationKey.verify

    def counting(self, signing_input, signature):
        calls.append(self.kid)
        return real(self, signing_input, signature)

    monkeypatch.setattr(VerificationKey, "verify", counting)
    return calls


def test_a_repeated_token_skips_the_signature_check(make_token, issuer_http, verify_calls):
    token = make_token()
    validate_token(token)  # seen once: the doorkeeper remembers its digest
    second = validate_token(token)  # seen twice: cached
    assert validate_token(token) is second
    assert validate_token(token) is second
    assert verify_calls == ["test-key-1", "test-key-1"]
    assert len(get_token_cache()) == 1


def test_a_token_one_byte_away_from_a_cached_one_is_never_served_from_the_cache(make_token, issuer_http, verify_calls):
    token = make_token()
    validate_token(token)
    cached = validate_token(token)
    assert validate_token(token) is cached
    cache, now = get_token_cache(), time.time()
    for i, char in enumerate(token):
        for other_char in {"A", "B", "-", "."} - {char}:
            assert cache.get(digest_of(token[:i] + other_char + token[i + 1 :]), now) is None
    flipped = token[:400] + ("B" if token[400] == "A" else "A") + token[401:]
    for other in (token + "A", token[:-1], "A" + token[1:], flipped):
        verified = len(verify_calls)
        try:
            result = validate_token(other)
        except TokenError:
            continue
        # The same JWS in another spelling (unused bits of a base64url character) is checked in full.
        assert result is not cached and len(verify_calls) == verified + 1


def test_a_token_that_is_not_unicode_text_is_refused_as_a_token(issuer_http):
    with pytest.raises(TokenError, match="malformed"):
        validate_token("eyJ\ud800.e30.AAAA")


def test_distinct_tokens_are_each_verified(make_token, issuer_http, verify_calls):
    validate_token(make_token())
    validate_token(make_token())
    assert len(verify_calls) == 2


def test_a_cached_token_still_expires(make_token, issuer_http, settings):
    now = time.time()
    token = make_token(exp=int(now) + 10)
    validate_token(token, now=now)
    validate_token(token, now=now)
    assert len(get_token_cache()) == 1
    leeway = trusted_issuers()[ISSUER].leeway
    assert validate_token(token, now=now + 10 + leeway - 1).client_id == "client-1"
    with pytest.raises(TokenError, match="expired"):
        validate_token(token, now=now + 10 + leeway)


def test_a_cached_token_still_ages_out_under_max_token_age(make_token, issuer_http, settings):
    settings.API_AUTH = {**settings.API_AUTH, "MAX_TOKEN_AGE": 300, "LEEWAY": 0}
    now = time.time()
    token = make_token(iat=int(now))
    validate_token(token, now=now)
    validate_token(token, now=now)
    assert len(get_token_cache()) == 1
    validate_token(token, now=int(now) + 299)
    with pytest.raises(TokenError, match="too old"):
        validate_token(token, now=int(now) + 301)


def test_a_token_not_yet_valid_is_not_cached_and_is_accepted_later(make_token, issuer_http):
    now = time.time()
    token = make_token(nbf=int(now) + 600)
    with pytest.raises(TokenError, match="not valid yet"):
        validate_token(token, now=now)
    assert len(get_token_cache()) == 0
    assert validate_token(token, now=now + 600).client_id == "client-1"


def test_invalid_tokens_never_enter_the_cache(make_token, issuer_http):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    forged = make_token(key=stranger)
    for _ in range(3):
        with pytest.raises(TokenError, match="signature"):
            validate_token(forged)
    assert len(get_token_cache()) == 0


def test_retiring_the_signing_key_retires_its_cached_tokens(make_token, issuer_http, rsa_key, clock):
    token = make_token()
    validate_token(token, now=clock())
    validate_token(token, now=clock())
    assert len(get_token_cache()) == 1
    # The issuer rotates: key 1 is gone from its JWKS, and the cached key set ages out.
    replacement = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer_http.replace("GET", f"{ISSUER}/v1/keys", json={"keys": [public_jwk(replacement, kid="test-key-2")]})
    clock.advance(3600 + 1)
    with pytest.raises(TokenError, match="does not publish"):
        validate_token(token, now=clock())
    assert len(get_token_cache()) == 0


def test_a_key_set_refresh_with_the_same_key_keeps_serving_the_cache(make_token, issuer_http, clock, verify_calls):
    token = make_token()
    validate_token(token, now=clock())
    validate_token(token, now=clock())
    clock.advance(3600 + 1)  # the key set is fetched again: new objects, the same key
    validate_token(token, now=clock())
    assert verify_calls == ["test-key-1", "test-key-1"]


def test_changing_the_policy_empties_the_cache(make_token, issuer_http, settings):
    token = make_token()
    validate_token(token)
    validate_token(token)
    settings.API_AUTH = {**settings.API_AUTH, "AUDIENCE": "api://another"}
    with pytest.raises(TokenError, match="audience"):
        validate_token(token)


def test_explicit_issuers_bypass_the_cache(make_token, issuer_http, verify_calls):
    token = make_token()
    validate_token(token, issuers=trusted_issuers())
    validate_token(token, issuers=trusted_issuers())
    assert len(verify_calls) == 2 and len(get_token_cache()) == 0


def test_the_cache_can_be_turned_off(make_token, issuer_http, settings, verify_calls):
    settings.API_AUTH = {**settings.API_AUTH, "TOKEN_CACHE_MAX_ENTRIES": 0}
    token = make_token()
    validate_token(token)
    validate_token(token)
    assert len(verify_calls) == 2


def test_a_flood_of_tokens_used_once_caches_none_of_them(make_token, issuer_http):
    for _ in range(30):
        validate_token(make_token())
    assert len(get_token_cache()) == 0


def test_a_flood_of_valid_tokens_stays_within_the_bounds(make_token, issuer_http, settings):
    settings.API_AUTH = {**settings.API_AUTH, "TOKEN_CACHE_MAX_ENTRIES": 20}
    for _ in range(60):
        token = make_token()
        validate_token(token)
        validate_token(token)
    assert len(get_token_cache()) == 20


@pytest.mark.parametrize("extra", [None, "y" * 400], ids=["okta-shaped", "with-400-more-bytes"])
def test_the_byte_estimate_covers_what_an_entry_really_costs(make_token, issuer_http, extra):
    """`size_of` must not undercount, or TOKEN_CACHE_MAX_BYTES would not bound memory."""
    client = "0oa" + "x" * 17
    tokens = [
        make_token(cid=client, client_id=client, scope="hello:read clients:register", extra=extra) for _ in range(200)
    ]
    for token in tokens:  # keys warm, and every digest past the doorkeeper, outside the measurement
        validate_token(token)
    cache = get_token_cache()
    gc.collect()
    tracemalloc.start()
    try:
        before, _ = tracemalloc.get_traced_memory()
        for token in tokens:
            validate_token(token)
        gc.collect()
        spent = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    estimated = sum(cache.size_of(token) for token in tokens)
    assert len(cache) == 200
    assert spent <= estimated


def test_the_success_path_makes_no_query_no_cache_round_trip_and_no_log(
    api_client, make_token, issuer_http, monkeypatch, caplog
):
    token = make_token()
    first_seen = make_token()
    assert api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200  # keys warm

    def no_round_trip(*args, **kwargs):
        raise AssertionError("the shared cache was consulted on the success path")

    for operation in ("get", "set", "add", "delete"):
        monkeypatch.setattr(SharedCache, operation, no_round_trip)
    caplog.set_level(logging.DEBUG)
    with CaptureQueriesContext(connection) as queries:
        for bearer in (token, token, token, first_seen, first_seen, first_seen):
            response = api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {bearer}")
            assert response.status_code == 200
    assert len(queries) == 0
    assert caplog.records == []
    assert get_key_set(ISSUER).snapshot.keys  # the keys came from process memory


def test_an_empty_mapping_of_issuers_trusts_no_one(make_token, issuer_http):
    with pytest.raises(TokenError, match="untrusted issuer"):
        validate_token(make_token(), issuers={})
