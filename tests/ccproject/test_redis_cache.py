"""The Redis cache backend: Django's, with one `redis.Redis` client per pool, against a real private Redis."""

import os
import threading
from unittest import mock

import pytest
import redis
from django.conf import settings
from django.core.cache import caches

from ccproject.redis_cache import RedisCache
from tests.support.redis_server import redis_cache


@pytest.fixture
def cache(private_redis, settings):
    settings.CACHES = {**settings.CACHES, "redis": redis_cache(private_redis.url, 4)}
    backend = caches["redis"]
    backend.clear()
    yield backend
    backend.close()


def test_a_redis_cache_url_gets_the_projects_backend():
    # settings.py swaps Django's class for the project's wherever CACHE_URL names Redis.
    assert all(cache["BACKEND"] != "django.core.cache.backends.redis.RedisCache" for cache in settings.CACHES.values())
    assert isinstance(RedisCache("redis://127.0.0.1:1/0", {}), RedisCache)


def test_the_client_is_built_once_for_any_number_of_operations(private_redis):
    cache = RedisCache(redis_cache(private_redis.url, 5)["LOCATION"], {})
    built = []
    original = redis.Redis.__init__

    def counting(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    with mock.patch.object(redis.Redis, "__init__", counting):
        for i in range(50):
            assert cache.add(f"key-{i}", i, 30) is True
            assert cache.add(f"key-{i}", -1, 30) is False
            assert cache.get(f"key-{i}") == i
        assert cache.incr("key-7") == 8
        cache.delete("key-7")
        assert cache.get("key-7") is None
        cache.clear()
    assert len(built) == 1  # Django's own backend builds one per operation


def test_threads_share_one_client_and_every_add_wins_once(cache):
    # 8 threads race for the same 200 keys: each key is first added exactly once.
    wins: list[str] = []
    lock = threading.Lock()
    clients = set()

    def race() -> None:
        clients.add(id(cache._cache.get_client(write=True)))
        for i in range(200):
            if cache.add(f"race-{i}", 1, 30):
                with lock:
                    wins.append(f"race-{i}")

    threads = [threading.Thread(target=race) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(wins) == sorted(f"race-{i}" for i in range(200))
    assert len(clients) == 1


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork, as gunicorn's workers")
def test_a_client_made_before_a_fork_works_in_the_child(cache):
    # gunicorn forks workers from a master that may have used the cache: the child must get its
    # own connections (redis-py's pool checks the pid), never share the parent's socket.
    cache.set("before-fork", "parent", 30)
    pid = os.fork()
    if pid == 0:  # the child: exit 0 only if the shared client works here
        try:
            ok = cache.get("before-fork") == "parent" and cache.add("from-child", "child", 30)
        except Exception:
            ok = False
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert cache.get("from-child") == "child"
    assert cache.get("before-fork") == "parent"


def test_a_dead_redis_still_fails_each_call_quickly():
    backend = RedisCache("redis://127.0.0.1:1/0", {"OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}})
    for _ in range(2):  # the kept client does not remember a broken connection
        with pytest.raises(redis.exceptions.ConnectionError):
            backend.get("anything")


# -- start_add: the command sent now, its answer read later; a connection is never lost or reused dirty --


def in_use(cache) -> int:
    pool = cache._cache.get_client(write=True).connection_pool
    return len(pool._in_use_connections)


def test_start_add_answers_like_add_and_gives_its_connection_back(cache):
    first, second = cache.start_add("k", 1, timeout=60), cache.start_add("k", 2, timeout=60)
    assert in_use(cache) == 2  # each pending answer holds its own connection
    assert (first.result(), second.result()) == (True, False)
    assert in_use(cache) == 0 and cache.get("k") == 1
    with pytest.raises(RuntimeError, match="read already"):
        first.result()
    first.close()  # nothing left to read: a no-op


@pytest.mark.parametrize("timeout", [None, 0, 0.5])
def test_start_add_needs_an_expiry(cache, timeout):
    with pytest.raises(ValueError, match="at least one second"):
        cache.start_add("k", 1, timeout=timeout)
    assert in_use(cache) == 0


def test_a_send_that_fails_drops_and_returns_its_connection(cache, monkeypatch):
    from redis.connection import Connection

    dropped = []
    monkeypatch.setattr(Connection, "send_command", mock.Mock(side_effect=ConnectionError("reset by peer")))
    disconnect = Connection.disconnect
    monkeypatch.setattr(Connection, "disconnect", lambda self, *a, **k: (dropped.append(self), disconnect(self)))
    with pytest.raises(ConnectionError):
        cache.start_add("k", 1, timeout=60)
    assert len(dropped) == 1 and in_use(cache) == 0


def test_an_answer_that_cannot_be_read_drops_its_connection_and_close_never_raises(cache, monkeypatch):
    from redis.connection import Connection
    from redis.exceptions import TimeoutError as RedisTimeout

    unwanted, wanted = cache.start_add("k", 1, timeout=60), cache.start_add("k2", 1, timeout=60)
    dropped = []
    disconnect = Connection.disconnect
    monkeypatch.setattr(Connection, "read_response", mock.Mock(side_effect=RedisTimeout("no answer")))
    monkeypatch.setattr(Connection, "disconnect", lambda self, *a, **k: (dropped.append(self), disconnect(self)))
    unwanted.close()  # an error path that no longer needs the answer: swallowed, the connection dropped
    with pytest.raises(RedisTimeout):
        wanted.result()
    assert len(dropped) == 2 and in_use(cache) == 0
