"""A Django cache backend whose every call fails, as a dead Redis or a locked database would."""

from django.core.cache.backends.base import BaseCache


class BrokenCache(BaseCache):
    def __init__(self, location, params):
        super().__init__(params)

    def _fail(self, *args, **kwargs):
        raise ConnectionError("the shared cache is down")

    get = set = add = delete = touch = incr = has_key = clear = get_many = set_many = _fail
