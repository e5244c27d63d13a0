"""Rate limits per API client: by the token's client id, else by user or address."""

import functools
import hashlib
import logging
import math
import time

from django.conf import settings
from django.core.cache import caches
from rest_framework.settings import api_settings as drf_settings
from rest_framework.throttling import SimpleRateThrottle

from .principal import ClientPrincipal

logger = logging.getLogger(__name__)


@functools.lru_cache(maxsize=4096)
def hashed_ident(ident: str) -> str:
    """A throttle identity as a cache-key part every backend accepts (client ids are chosen by issuers).

    Memoised: the same few clients call again and again, so most requests skip the hash.
    """
    return hashlib.sha256(ident.encode()).hexdigest()[:32]


class ClientRateThrottle(SimpleRateThrottle):
    """A fixed-window request counter per client, rate from `DEFAULT_THROTTLE_RATES[scope]`.

    The identity is the token's issuer and client id for a `ClientPrincipal` (a client keeps
    its budget whichever address it calls from), the user's primary key for a session user,
    and the peer address (`NUM_PROXIES` aware) otherwise. The scope is the view's
    `throttle_scope` when it has one, else `client`; a rate of `None` turns throttling off.

    Counters live in the `throttle` cache (`cache_alias`), one `incr` per request (and an
    `add` for a window's first), so the cost stays constant at any rate (DRF's history list grows with it).
    When the cache fails the request is let through: losing the limit for a while is
    better than failing every call (availability first; the outage is logged). After a
    failure the cache is left alone for `retry_interval` seconds, so a Redis that hangs costs
    one socket timeout per interval and process, not one per request.
    """

    scope = "client"
    cache_alias = "throttle"
    cache_format = "throttle:%(scope)s:%(ident)s"
    timer = staticmethod(time.time)
    # Seconds between two log lines about a failing throttle cache, per process.
    warn_interval = 60.0
    # Seconds the cache is not tried after it failed.
    retry_interval = 5.0
    _last_warning = float("-inf")
    _skip_until = float("-inf")

    def __init__(self):
        # The rate is resolved per request in `allow_request`, so setting changes apply.
        self.wait_seconds: float | None = None

    @property
    def cache(self):
        return caches[self.cache_alias if self.cache_alias in settings.CACHES else "default"]

    def get_rate(self) -> str | None:
        rates = drf_settings.DEFAULT_THROTTLE_RATES or {}
        return rates.get(self.scope) or None

    def get_cache_key(self, request, view) -> str | None:
        user = getattr(request, "user", None)
        if isinstance(user, ClientPrincipal):
            ident = f"client:{user.issuer} {user.client_id}"
        elif user is not None and getattr(user, "is_authenticated", False):
            ident = f"user:{user.pk}"
        else:
            ident = f"addr:{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": hashed_ident(ident)}

    def allow_request(self, request, view) -> bool:
        self.scope = getattr(view, "throttle_scope", None) or type(self).scope
        self.rate = self.get_rate()
        if self.rate is None:
            return True
        self.num_requests, self.duration = self.parse_rate(self.rate)
        key = self.get_cache_key(request, view)
        if key is None:
            return True
        if time.monotonic() < ClientRateThrottle._skip_until:
            return True
        now = self.timer()
        window = math.floor(now / self.duration)
        try:
            count = self._count(f"{key}:{window}")
        except Exception:  # any cache backend's outage
            self._cache_failed()
            return True
        if count <= self.num_requests:
            return True
        self.wait_seconds = (window + 1) * self.duration - now
        return False

    def _count(self, key: str) -> int:
        """This window's count after this request: `add` creates it, `incr` is atomic on Redis."""
        cache = self.cache
        # `incr` first: only a window's first request pays for the `add` as well.
        try:
            return cache.incr(key)
        except ValueError:  # no counter yet for this window
            pass
        if cache.add(key, 1, timeout=self.duration + 1):
            return 1
        try:  # another request created it between our incr and add
            return cache.incr(key)
        except ValueError:  # and it expired meanwhile
            cache.add(key, 1, timeout=self.duration + 1)
            return 1

    def wait(self) -> float | None:
        return self.wait_seconds

    @classmethod
    def _cache_failed(cls) -> None:
        now = time.monotonic()
        ClientRateThrottle._skip_until = now + cls.retry_interval
        if now - ClientRateThrottle._last_warning >= cls.warn_interval:
            ClientRateThrottle._last_warning = now
            logger.warning("The throttle cache is unavailable: requests are not rate limited meanwhile.")
