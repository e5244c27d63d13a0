"""The verified-token cache on its own: bounds (entries and bytes), deadlines, key retirement, floods."""

import gc
import secrets
import tracemalloc

import pytest

from api.token_cache import VerifiedTokenCache, digest_of

KEY_A, KEY_B = object(), object()


def fill(cache: VerifiedTokenCache, count: int, *, now: float = 0.0, size: int = 100, key=KEY_A) -> list[bytes]:
    digests = [digest_of(f"token-{i}-{secrets.token_hex(4)}") for i in range(count)]
    for digest in digests:
        cache.put(digest, {"sub": digest.hex()}, key=key, deadline=now + 60, size=size)
    return digests


def test_a_cached_token_is_served_until_its_deadline_then_dropped():
    cache = VerifiedTokenCache(doorkeeper=False, max_entries=10, max_bytes=10_000)
    digest = digest_of("a.b.c")
    cache.put(digest, "validated", key=KEY_A, deadline=100.0, size=10)
    assert cache.get(digest, 99.9) == "validated"
    assert cache.get(digest, 100.0) is None
    assert len(cache) == 0 and cache.bytes == 0


def test_the_key_is_the_hash_of_the_token_not_the_token():
    assert digest_of("a.b.c") != digest_of("a.b.d")
    assert len(digest_of("x" * 5000)) == 32
    cache = VerifiedTokenCache(doorkeeper=False, max_entries=10, max_bytes=10_000)
    cache.put(digest_of("a.b.c"), "v", key=KEY_A, deadline=10, size=1)
    assert "a.b.c" not in repr(list(cache._entries))


def test_tokens_one_byte_apart_never_share_an_entry():
    token = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJjIn0." + "s" * 342
    cache = VerifiedTokenCache(doorkeeper=False, max_entries=10_000, max_bytes=10**8)
    cache.put(digest_of(token), "v", key=KEY_A, deadline=10, size=1)
    others = {token + "\x00", token[:-1], " " + token}
    others |= {token[:i] + char + token[i + 1 :] for i in range(len(token)) for char in "sA.\x00\ud800"}
    others.discard(token)
    assert len({digest_of(other) for other in others} | {digest_of(token)}) == len(others) + 1
    assert all(cache.get(digest_of(other), 1) is None for other in others)
    assert cache.get(digest_of(token), 1) == "v"


def test_entries_are_bounded_and_the_least_recently_used_goes_first():
    cache = VerifiedTokenCache(doorkeeper=False, max_entries=3, max_bytes=10_000)
    first, second, third = fill(cache, 3)
    assert cache.get(first, 1) is not None  # now the most recently used
    (fourth,) = fill(cache, 1)
    assert len(cache) == 3
    assert cache.get(second, 1) is None
    assert all(cache.get(d, 1) is not None for d in (first, third, fourth))


def test_bytes_are_bounded_too():
    cache = VerifiedTokenCache(doorkeeper=False, max_entries=1000, max_bytes=1000)
    fill(cache, 25, size=100)
    assert len(cache) == 10
    assert cache.bytes == 1000


def test_an_entry_larger_than_the_whole_budget_is_not_kept():
    cache = VerifiedTokenCache(doorkeeper=False, max_entries=10, max_bytes=100)
    cache.put(digest_of("big"), "v", key=KEY_A, deadline=10, size=101)
    assert len(cache) == 0 and cache.bytes == 0


def test_replacing_an_entry_keeps_the_byte_count_right():
    cache = VerifiedTokenCache(doorkeeper=False, max_entries=10, max_bytes=1000)
    digest = digest_of("t")
    cache.put(digest, "v1", key=KEY_A, deadline=10, size=300)
    cache.put(digest, "v2", key=KEY_A, deadline=10, size=200)
    assert (len(cache), cache.bytes, cache.get(digest, 0)) == (1, 200, "v2")


def test_a_retired_key_retires_its_tokens_on_sight():
    cache = VerifiedTokenCache(doorkeeper=False, max_entries=10, max_bytes=10_000)
    digest = digest_of("t")
    cache.put(digest, "v", key=KEY_A, deadline=100, size=10)
    assert cache.get(digest, 1, lambda key: key is KEY_A) == "v"
    assert cache.get(digest, 1, lambda key: key is KEY_B) is None
    assert len(cache) == 0


def test_retire_sweeps_every_token_of_a_retired_key():
    cache = VerifiedTokenCache(doorkeeper=False, max_entries=100, max_bytes=100_000)
    old = fill(cache, 5, key=KEY_A)
    new = fill(cache, 3, key=KEY_B)
    assert cache.retire(lambda key: key is KEY_B) == 5
    assert len(cache) == 3 and cache.bytes == 300
    assert all(cache.get(d, 1) is None for d in old)
    assert all(cache.get(d, 1) is not None for d in new)


@pytest.mark.parametrize(("entries", "size"), [(0, 1000), (10, 0)])
def test_a_zero_bound_turns_the_cache_off(entries, size):
    cache = VerifiedTokenCache(doorkeeper=False, max_entries=entries, max_bytes=size)
    fill(cache, 3, size=1)
    assert not cache.enabled and len(cache) == 0


def test_a_flood_of_distinct_tokens_does_not_grow_memory():
    """Filled to its bound, the cache's real memory stays put however many more tokens arrive."""
    gc.collect()
    tracemalloc.start()
    try:
        empty, _ = tracemalloc.get_traced_memory()
        cache = VerifiedTokenCache(doorkeeper=False, max_entries=2000, max_bytes=10**9)
        fill(cache, 2000)
        gc.collect()
        full = tracemalloc.get_traced_memory()[0] - empty
        fill(cache, 20_000)
        gc.collect()
        after_flood = tracemalloc.get_traced_memory()[0] - empty
    finally:
        tracemalloc.stop()
    assert len(cache) == 2000
    # Unbounded, ten times more entries would cost eleven times as much; the slack is the
    # hash table's own resizing between two measurements.
    assert after_flood < 1.5 * full


def test_the_doorkeeper_admits_a_token_on_its_second_validation():
    cache = VerifiedTokenCache(max_entries=10, max_bytes=10_000)
    digest = digest_of("t")
    cache.put(digest, "v", key=KEY_A, deadline=100, size=10)
    assert cache.get(digest, 1) is None and len(cache) == 0
    cache.put(digest, "v", key=KEY_A, deadline=100, size=10)
    assert cache.get(digest, 1) == "v"


def test_a_flood_of_tokens_used_once_leaves_the_cached_ones_alone():
    cache = VerifiedTokenCache(max_entries=100, max_bytes=100_000)
    hot = digest_of("hot")
    for _ in range(2):
        cache.put(hot, "v", key=KEY_A, deadline=100, size=10)
    fill(cache, 5000)  # each seen once: remembered by the doorkeeper (bounded), never cached
    assert (len(cache), len(cache._seen)) == (1, 100)
    assert cache.get(hot, 1) == "v"
