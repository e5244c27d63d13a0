"""Django cache calls that never fail: a dead shared cache degrades to process memory, never to a 500."""

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from django.core.cache import caches

logger = logging.getLogger(__name__)

_MISSING = object()


class SharedCache:
    """`get`/`set`/`add`/`delete` on `caches[alias]`, falling back to a per-process store.

    The key-set cache coordinates workers through the shared cache (Redis in production), but
    validating a token must not depend on it: when the backend raises (Redis down, database
    locked, a misconfigured alias) the same operations run against this process's memory, so
    workers stop sharing, not validating. `add` stays atomic within the process either way.
    Fallback entries expire by `timer`, the same clock the key set uses.
    """

    # How often a broken backend is reported, in seconds (a dead Redis would flood the log).
    report_every = 60.0

    def __init__(self, alias: str, timer: Callable[[], float] = time.time):
        self.alias = alias
        self.timer = timer
        self._local: dict[str, tuple[Any, float | None]] = {}
        self._lock = threading.Lock()
        self._reported_at = float("-inf")

    def _backend(self):
        return caches[self.alias]

    def _failed(self, operation: str, exc: Exception) -> None:
        now = time.monotonic()
        if now - self._reported_at >= self.report_every:
            self._reported_at = now
            logger.warning(
                "Shared cache %r failed on %s (%s); key sets are kept in process memory meanwhile.",
                self.alias,
                operation,
                type(exc).__name__,
            )

    def _expiry(self, timeout: float | None) -> float | None:
        return None if timeout is None else self.timer() + timeout

    def _local_get(self, key: str) -> Any:
        value, expires = self._local.get(key, (None, None))
        if expires is not None and expires <= self.timer():
            self._local.pop(key, None)
            return None
        return value

    def _local_store(self, key: str, value: Any, timeout: float | None) -> None:
        # Called with the lock held; a long outage must not grow the store without bound.
        if len(self._local) >= 1024:
            now = self.timer()
            self._local = {k: v for k, v in self._local.items() if v[1] is None or v[1] > now}
        self._local[key] = (value, self._expiry(timeout))

    def get(self, key: str) -> Any:
        try:
            return self._backend().get(key)
        except Exception as exc:  # any backend error: degrade, never raise
            self._failed("get", exc)
            return self._local_get(key)

    def set(self, key: str, value: Any, timeout: float | None) -> None:
        try:
            self._backend().set(key, value, timeout=timeout)
        except Exception as exc:
            self._failed("set", exc)
            with self._lock:
                self._local_store(key, value, timeout)

    def add(self, key: str, value: Any, timeout: float | None) -> bool:
        """Store unless present; True for exactly one caller among all that race for `key`."""
        try:
            return bool(self._backend().add(key, value, timeout=timeout))
        except Exception as exc:
            self._failed("add", exc)
            with self._lock:
                if self._local_get(key) is not None:
                    return False
                self._local_store(key, value, timeout)
                return True

    def delete(self, key: str) -> None:
        try:
            self._backend().delete(key)
        except Exception as exc:
            self._failed("delete", exc)
        with self._lock:
            self._local.pop(key, None)
