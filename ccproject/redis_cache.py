"""Django's Redis cache backend, with one `redis.Redis` client per connection pool instead of one per call.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` object around the pooled
connections on every cache operation. With redis-py 8 that constructor alone (response-callback
tables, retry and event-dispatcher objects) costs about as much CPU as the command's own round
trip, and it runs on the request path: each DPoP proof's replay check (`cache.add`), each nonce
and every shared throttle count. A `redis.Redis` object is safe to share between threads (it takes
a connection from its pool per command), so one per pool is built once and kept. After a fork,
redis-py's pool notices the new pid and opens its own connections, so a client made before the
fork stays correct in the child.

It adds `start_add`: the `SET NX EX` of `add`, sent at once and answered later, so a caller can
do other work while Redis answers (the replay check of a DPoP proof overlaps its signature verify).

Everything else (serialization, timeouts, key handling, the pools themselves) is Django's.
"""

import contextlib
import threading

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient as DjangoRedisCacheClient


class RedisCacheClient(DjangoRedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}
        self._clients_lock = threading.Lock()

    def get_client(self, key=None, *, write=False):
        # Django's choice of server: the first for writes, any other for reads.
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            with self._clients_lock:
                client = self._clients.get(index)
                if client is None:
                    client = self._client(connection_pool=self._pool(index))
                    self._clients[index] = client
        return client

    def start_add(self, key, value, timeout: int) -> "PendingAdd":
        """`add`'s `SET key value EX timeout NX`, sent now on a connection of the write pool; see `PendingAdd`."""
        if not timeout or timeout < 1:  # `add` without expiry takes two commands: not one to overlap
            raise ValueError("start_add needs a timeout of at least one second")
        pool = self.get_client(key, write=True).connection_pool
        connection = pool.get_connection()  # connected and checked by the pool, as for any command
        try:
            connection.send_command("SET", key, self._serializer.dumps(value), "EX", int(timeout), "NX")
        except BaseException:
            connection.disconnect()
            pool.release(connection)
            raise
        return PendingAdd(pool, connection)

    def _pool(self, index: int):
        # As Django's `_get_connection_pool`, for a given index (Django's draws its own for reads).
        if index not in self._pools:
            self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
        return self._pools[index]


class PendingAdd:
    """An `add` whose command is sent: `result()` reads Redis' answer, once, and gives the connection back.

    Until then the connection is this object's alone. A caller that no longer needs the answer
    still calls `result()` (or `close()`), so the pool never hands out a connection with an answer
    waiting on it; an error while reading drops the connection, as redis-py does.
    """

    def __init__(self, pool, connection):
        self._pool = pool
        self._connection = connection

    def result(self) -> bool:
        """True when the key was added (it was absent), False when it was there; raises redis-py's errors."""
        connection, self._connection = self._connection, None
        if connection is None:
            raise RuntimeError("the answer of this add was read already")
        try:
            response = connection.read_response()
        except BaseException:
            connection.disconnect()
            raise
        finally:
            self._pool.release(connection)
        # `SET ... NX` answers OK when it set the key and nil when the key existed (RESP2 and RESP3).
        return response is not None

    def close(self) -> None:
        """Read and drop the answer if nobody did (an error path); never raises."""
        if self._connection is not None:
            # The answer is unwanted; an error has dropped the connection already.
            with contextlib.suppress(Exception):
                self.result()


class RedisCache(DjangoRedisCache):
    """`django.core.cache.backends.redis.RedisCache` whose clients are built once per pool, with `start_add`."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient

    def start_add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None) -> PendingAdd:
        """`add(key, value, timeout)` sent now, its answer read by `PendingAdd.result()` later."""
        key = self.make_and_validate_key(key, version=version)
        return self._cache.start_add(key, value, self.get_backend_timeout(timeout))
