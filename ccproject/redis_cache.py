"""Django's Redis cache backend, with one `redis.Redis` client per connection pool instead of one per call.

Django's `RedisCacheClient.get_client()` builds a new `redis.Redis` object around the pooled
connections on every cache operation. With redis-py 8 that constructor alone (response-callback
tables, retry and event-dispatcher objects) costs about as much CPU as the command's own round
trip, and it runs on the request path: each DPoP proof's replay check (`cache.add`), each nonce
and every shared throttle count. A `redis.Redis` object is safe to share between threads (it takes
a connection from its pool per command), so one per pool is built once and kept. After a fork,
redis-py's pool notices the new pid and opens its own connections, so a client made before the
fork stays correct in the child.

Everything else (serialization, timeouts, key handling, the pools themselves) is Django's.
"""

import threading

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

    def _pool(self, index: int):
        # As Django's `_get_connection_pool`, for a given index (Django's draws its own for reads).
        if index not in self._pools:
            self._pools[index] = self._pool_class.from_url(self._servers[index], **self._pool_options)
        return self._pools[index]


class RedisCache(DjangoRedisCache):
    """`django.core.cache.backends.redis.RedisCache` whose clients are built once per pool."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
