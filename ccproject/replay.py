"""One-time values accepted once per window, cluster-wide (RFC 9449 §11.1 proofs, RFC 7523 §3 `jti`)."""

import base64
import hashlib
import logging
import math
import time

from django.conf import settings
from django.core.cache import caches

from . import metrics

logger = logging.getLogger(__name__)


class ReplayStoreUnavailable(Exception):
    """The shared cache could not be asked: whether the value was seen is unknown, so refuse it.

    The message is safe to log and names neither the value nor the scope.
    """


class ReplayStore:
    """Remembers each (scope, value) for a window in the Django cache `alias`, shared by every host.

    `first_use` is one atomic `cache.add` (a single `SET NX EX` on Redis): among any number of
    workers on any number of hosts racing with the same value, exactly one is told it is first.
    Keys are `{key_prefix}:{namespace}:{digest}`, the digest a SHA-256 of scope and value, so a
    caller's hostile `jti` of any length or content costs a fixed-size key, and the memory the
    store can take is bounded by the request rate times the window.

    Callers pick their own `namespace` (`dpop`, `client_assertion`) so that the same `jti` in a
    proof and in a client assertion never collide, and their own scope (a key thumbprint, a
    client id) so that one party cannot burn another's values.
    """

    key_prefix = "ccproject.replay"
    # How often an unreachable cache is reported, in seconds (a dead Redis under load would flood the log).
    report_every = 60.0

    def __init__(self, namespace: str, alias: str = "default"):
        if not namespace or ":" in namespace:
            raise ValueError("a replay namespace is a non-empty name without ':'")
        self.namespace = namespace
        self.alias = alias
        self._reported_at = float("-inf")

    def key(self, scope: str, value: str) -> str:
        """The cache key for `value` within `scope`: fixed length whatever the input."""
        digest = hashlib.sha256(f"{len(scope)}:{scope}:{value}".encode("utf-8", "surrogatepass")).digest()
        return f"{self.key_prefix}:{self.namespace}:{base64.urlsafe_b64encode(digest).rstrip(b'=').decode()}"

    def first_use(self, scope: str, value: str, *, window: float) -> bool:
        """True the first time `value` is presented within `scope` in `window` seconds, False for a replay.

        `window` must cover every moment at which the caller would still accept the value (a
        proof's `iat` acceptance window, an assertion's remaining lifetime): it is rounded up to
        whole seconds, at least one. Raises `ReplayStoreUnavailable` when the cache fails; the
        caller then fails closed.
        """
        key, timeout = self.key(scope, value), self.timeout(window)
        return self._answer(lambda: bool(caches[self.alias].add(key, 1, timeout=timeout)))

    @property
    def sends_ahead(self) -> bool:
        """Whether `start` sends its question at once (the cache has `start_add`), so work can overlap it."""
        return hasattr(caches[self.alias], "start_add")

    def start(self, scope: str, value: str, *, window: float) -> "PendingUse":
        """`first_use` asked now and answered by `PendingUse.first()` later: the same one cache operation.

        Where the cache can send an `add` without waiting for its answer (`start_add`, as
        `ccproject.redis_cache.RedisCache` does) the `SET NX EX` leaves at once, and the caller's
        work until `first()` overlaps Redis' round trip; elsewhere `first()` makes the `add`.
        A failure to send is told by `first()` as `ReplayStoreUnavailable`, like any other.
        """
        cache, key, timeout = caches[self.alias], self.key(scope, value), self.timeout(window)
        start_add = getattr(cache, "start_add", None)
        if start_add is None:
            return PendingUse(self, scope, value, lambda: bool(cache.add(key, 1, timeout=timeout)))
        try:
            pending = start_add(key, 1, timeout=timeout)
        except Exception as exc:  # told by first(), where the caller expects the store's errors
            error = exc

            def fail():
                raise error

            return PendingUse(self, scope, value, fail)
        return PendingUse(self, scope, value, pending.result, pending.close)

    @staticmethod
    def timeout(window: float) -> int:
        """The window in whole seconds, rounded up, at least one."""
        return max(1, math.ceil(window))

    def _answer(self, ask) -> bool:
        """`ask()`'s answer, counted; `ReplayStoreUnavailable` (reported, counted) when the cache failed."""
        try:
            first = ask()
        except Exception as exc:  # any backend failure: the answer is unknown
            self._report(exc)
            metrics.replay_store_unavailable(self.namespace)
            raise ReplayStoreUnavailable(f"the replay cache {self.alias!r} cannot be reached") from exc
        if not first:
            metrics.replay_refused(self.namespace)
        return first

    def _report(self, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._reported_at >= self.report_every:
            self._reported_at = now
            logger.warning(
                "Replay cache %r failed (%s); one-time values in namespace %r are refused meanwhile.",
                self.alias,
                type(exc).__name__,
                self.namespace,
            )


class PendingUse:
    """A replay question asked by `ReplayStore.start` for (`scope`, `value`): `first()` answers it, once.

    A caller that turns the request down before it needs the answer calls `close()` instead,
    which reads and drops an answer under way (the connection goes back to its pool clean).
    """

    def __init__(self, store: ReplayStore, scope: str, value: str, ask, close=None):
        self.scope = scope
        self.value = value
        self._store = store
        self._ask = ask
        self._close = close

    def first(self) -> bool:
        """True when the value was new, False for a replay; `ReplayStoreUnavailable` when unknown."""
        ask, self._ask, self._close = self._ask, None, None
        if ask is None:
            raise RuntimeError("this replay question was answered or closed already")
        return self._store._answer(ask)

    def close(self) -> None:
        close, self._ask, self._close = self._close, None, None
        if close is not None:
            close()


# Cache backends that cannot enforce "once in the cluster": nothing remembered, or one process only.
NOT_SHARED = {
    "django.core.cache.backends.dummy.DummyCache": "remembers nothing, so every replay is accepted",
    "django.core.cache.backends.locmem.LocMemCache": "is per process, so a value replays on every other worker",
}


def unshared_reason(alias: str) -> str | None:
    """Why the cache `alias` cannot hold a cluster-wide replay store, or None; for system checks."""
    backend = settings.CACHES.get(alias, {}).get("BACKEND")
    if backend is None:
        return "is not configured in CACHES"
    return NOT_SHARED.get(backend)
