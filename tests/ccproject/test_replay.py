"""The shared replay store: once per window everywhere, one cache round trip, closed when the cache is gone."""

import logging
import threading
import time

import pytest
import redis
from django.core.cache import caches
from django.core.management import call_command

from ccproject.redis_cache import RedisCache
from ccproject.replay import ReplayStore, ReplayStoreUnavailable, unshared_reason
from tests.api.brokencache import DEAD_CACHES
from tests.support.redis_server import redis_cache, start_private_redis

# Every backend the project can be configured with, as the suite's settings name them.
SHARED_BACKENDS = {
    "database": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "ccproject_cache"},
    "locmem": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "replay-tests"},
}


@pytest.fixture(params=[*SHARED_BACKENDS, "redis"])
def store(request, settings):
    if request.param == "redis":
        server = request.getfixturevalue("private_redis")
        entry = redis_cache(server.url, 0)
    else:
        entry = SHARED_BACKENDS[request.param]
    settings.CACHES = {**settings.CACHES, "replay": entry}
    call_command("createcachetable", "--database", "default")  # when CACHE_URL is Redis it is not there
    caches["replay"].clear()
    return ReplayStore("dpop", alias="replay")


def test_a_value_is_accepted_once(store):
    assert store.first_use("thumbprint-a", "jti-1", window=60) is True
    assert store.first_use("thumbprint-a", "jti-1", window=60) is False
    assert store.first_use("thumbprint-a", "jti-1", window=60) is False


def test_scope_and_namespace_separate_values(store):
    assert store.first_use("thumbprint-a", "jti-1", window=60)
    assert store.first_use("thumbprint-b", "jti-1", window=60), "another key's proof may reuse the jti"
    other = ReplayStore("client_assertion", alias=store.alias)
    assert other.first_use("thumbprint-a", "jti-1", window=60), "another namespace never collides"


def test_scope_and_value_cannot_be_shifted_into_each_other(store):
    assert store.first_use("ab", "c", window=60)
    assert store.first_use("a", "bc", window=60)
    assert store.first_use("a:", "c", window=60)
    assert store.first_use("a", ":c", window=60)


def test_keys_have_a_fixed_size_whatever_the_input(store):
    hostile = ["", "\x00", "é" * 10_000, "\ud800", "x" * 1_000_000]
    keys = {store.key(value, value) for value in hostile}
    assert len(keys) == len(hostile)
    assert {len(key) for key in keys} == {len("ccproject.replay:dpop:") + 43}
    for value in hostile:
        assert store.first_use(value, value, window=5)
        assert not store.first_use(value, value, window=5)


def test_the_window_is_the_entrys_lifetime_rounded_up(private_redis, settings):
    settings.CACHES = {**settings.CACHES, "replay": redis_cache(private_redis.url, 2)}
    store = ReplayStore("dpop", alias="replay")
    assert store.first_use("s", "v", window=65.2)
    client = redis.Redis.from_url(private_redis.url.rsplit("/", 1)[0] + "/2")
    [key] = client.keys("*")
    assert 65 < client.ttl(key) <= 66
    assert store.first_use("s", "w", window=0)
    [ttl] = [client.ttl(key) for key in client.keys("*") if client.ttl(key) <= 1]
    assert ttl == 1, "a zero window still remembers the value (0 would mean 'expire now')"


def test_exactly_one_redis_command_per_check(private_redis, settings):
    settings.CACHES = {**settings.CACHES, "replay": redis_cache(private_redis.url, 3)}
    store = ReplayStore("dpop", alias="replay")
    store.first_use("warm", "connection", window=5)  # the connection is opened once per worker
    client = redis.Redis.from_url(private_redis.url)

    def commands() -> int:
        # Everything the server executed, minus the INFO calls this test makes itself.
        stats = client.info("commandstats")
        return sum(entry["calls"] for name, entry in stats.items() if name != "cmdstat_info")

    before = commands()
    for index in range(10):
        assert store.first_use("s", f"v{index}", window=5)
        assert not store.first_use("s", f"v{index}", window=5)
    assert commands() - before == 20


def test_a_race_has_exactly_one_winner(store, settings):
    if settings.CACHES["replay"]["BACKEND"].endswith("DatabaseCache"):
        pytest.skip("threads cannot share the test run's transaction; PostgreSQL's unique key decides the race")
    winners: list[bool] = []
    barrier = threading.Barrier(8)

    def contend():
        barrier.wait()
        winners.append(store.first_use("s", "raced", window=30))
        caches[store.alias].close()

    threads = [threading.Thread(target=contend) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(winners) == [False] * 7 + [True]


@pytest.mark.parametrize("backend", list(DEAD_CACHES))
def test_an_unreachable_cache_raises_and_never_says_first(backend, settings, caplog):
    settings.CACHES = {**settings.CACHES, "replay": DEAD_CACHES[backend]}
    store = ReplayStore("dpop", alias="replay")
    caplog.set_level(logging.WARNING, logger="ccproject.replay")
    for _ in range(3):
        with pytest.raises(ReplayStoreUnavailable) as raised:
            store.first_use("secret-scope", "secret-jti", window=60)
    assert "secret" not in str(raised.value)
    assert len(caplog.records) == 1, "an outage is reported once a minute, not once per request"
    assert "secret" not in caplog.text


def test_redis_killed_then_back(settings):
    server = start_private_redis()
    try:
        settings.CACHES = {**settings.CACHES, "replay": redis_cache(server.url, 0)}
        store = ReplayStore("dpop", alias="replay")
        assert store.first_use("s", "before", window=60)
        server.stop()
        with pytest.raises(ReplayStoreUnavailable):
            store.first_use("s", "during", window=60)
        server.start()
        assert store.first_use("s", "after", window=60)
    finally:
        server.cleanup()


def test_namespace_is_validated():
    for bad in ("", "a:b"):
        with pytest.raises(ValueError):
            ReplayStore(bad)


def test_unshared_reason_names_backends_that_cannot_hold_it(settings):
    settings.CACHES = {
        **settings.CACHES,
        "dummy": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"},
        "locmem": SHARED_BACKENDS["locmem"],
        "db": SHARED_BACKENDS["database"],
    }
    assert "remembers nothing" in unshared_reason("dummy")
    assert "per process" in unshared_reason("locmem")
    assert unshared_reason("db") is None
    assert "not configured" in unshared_reason("missing")


def test_a_started_question_answers_as_first_use_does(store):
    pending = store.start("thumbprint-a", "jti-1", window=60)
    assert (pending.scope, pending.value) == ("thumbprint-a", "jti-1")
    assert pending.first() is True
    assert store.first_use("thumbprint-a", "jti-1", window=60) is False, "the same key as first_use's"
    assert store.start("thumbprint-a", "jti-1", window=60).first() is False
    with pytest.raises(RuntimeError):
        pending.first()  # answered once only


def test_a_closed_question_still_leaves_the_connection_clean(private_redis, settings):
    settings.CACHES = {**settings.CACHES, "replay": redis_cache(private_redis.url, 4)}
    store = ReplayStore("dpop", alias="replay")
    store.start("s", "closed", window=60).close()  # sent, never read by the caller
    # The pool's next user gets its own answer, not the one left on the connection.
    assert store.first_use("s", "next", window=60) is True
    assert store.first_use("s", "closed", window=60) is False, "a sent add is made even when nobody reads it"
    pending = store.start("s", "other", window=60)
    pending.close()
    pending.close()
    with pytest.raises(RuntimeError):
        pending.first()


def test_redis_sends_at_start_and_answers_later(private_redis, settings):
    """The overlap: the SET NX EX is executed by Redis before `first()` is called; one command per question."""
    settings.CACHES = {**settings.CACHES, "replay": redis_cache(private_redis.url, 5)}
    store = ReplayStore("dpop", alias="replay")
    store.first_use("warm", "connection", window=5)
    client = redis.Redis.from_url(private_redis.url.rsplit("/", 1)[0] + "/5")
    stats = redis.Redis.from_url(private_redis.url)

    def commands() -> int:
        return sum(entry["calls"] for name, entry in stats.info("commandstats").items() if name != "cmdstat_info")

    before = commands()
    pending = [store.start("s", f"v{index}", window=60) for index in range(3)]  # three connections at once
    for _ in range(500):  # at most 5 s; Redis executes each SET as soon as it arrives
        if client.dbsize() == 4:
            break
        time.sleep(0.01)
    assert client.dbsize() == 4, "the adds were made before anyone read their answers"
    polls = commands() - before - 3
    assert [question.first() for question in pending] == [True, True, True]
    assert commands() - before == 3 + polls, "one SET per question, nothing when the answers are read"


def test_a_started_question_fails_closed_when_the_cache_is_gone(settings, caplog):
    server = start_private_redis()
    try:
        settings.CACHES = {**settings.CACHES, "replay": redis_cache(server.url, 0)}
        store = ReplayStore("dpop", alias="replay")
        assert store.start("s", "before", window=60).first()
        in_flight = store.start("s", "in flight", window=60)
        server.stop()
        with pytest.raises(ReplayStoreUnavailable) as raised:
            store.start("secret-scope", "secret-jti", window=60).first()  # fails to send: told at first()
        assert "secret" not in str(raised.value) and "secret" not in caplog.text
        in_flight.close()  # whatever happened to it, closing never raises
        server.start()
        assert store.start("s", "after", window=60).first()
    finally:
        server.cleanup()


def test_only_a_cache_with_start_add_sends_ahead(store):
    assert store.sends_ahead is isinstance(caches[store.alias], RedisCache)
