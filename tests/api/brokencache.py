"""A Django cache backend whose every call fails, as a dead Redis or a locked database would."""

from django.core.cache.backends.base import BaseCache


class BrokenCache(BaseCache):
    def __init__(self, location, params):
        super().__init__(params)

    def _fail(self, *args, **kwargs):
        raise ConnectionError("the shared cache is down")

    get = set = add = delete = touch = incr = has_key = clear = get_many = set_many = _fail


# Caches that fail every call: this backend, and a real Redis client against a port where nothing
# listens (connection refused).
DEAD_CACHES = {
    "broken backend": {"BACKEND": "tests.api.brokencache.BrokenCache"},
    "redis down": {
        "BACKEND": "ccproject.redis_cache.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    },
}
