"""The verified-token cache: tokens already validated, recognised by a hash of their bytes.

A repeated token skips parsing and the signature check; it is served until the earlier of
its deadline (`exp`, or the `iat` age limit, plus leeway) and the retirement of the key that
verified it. The cache is bounded in entries and in bytes and evicts the least recently used
entry first. Only tokens that passed every check enter it, and only on their second
validation: a digest seen once is remembered in a bounded "doorkeeper" (TinyLFU's idea), so a
flood of tokens used once neither evicts the tokens in use nor fills the process with objects
the garbage collector must keep walking (32-byte digests are not tracked by it).
"""

import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import blake2b
from typing import Any

from .conf import api_settings

# What one entry costs beyond its token's length, calibrated in tests/api/test_token_cache.py
# against tracemalloc for tokens of the embedded issuer and Okta: the digest, the entry, the
# validated token, its claims dict and scopes. Each token character costs about one byte
# of claims on top of this.
ENTRY_OVERHEAD = 2048


def digest_of(token: str) -> bytes:
    """The cache key: a 256-bit BLAKE2b digest of the token, so the cache holds no bearer token itself.

    Collision-resistant, as it must be where an attacker chooses the input: a cache hit is for the
    byte-identical token only. The key never leaves the process. BLAKE2b is CPython's own code;
    `hashlib.sha256` is OpenSSL 3's, whose per-call setup costs several times the hashing of a token.
    `surrogatepass`: any text has a digest (distinct texts, distinct bytes), and the check that
    follows refuses what is not a token.
    """
    return blake2b(token.encode("utf-8", "surrogatepass"), digest_size=32).digest()


@dataclass(frozen=True, slots=True)
class CachedToken:
    """A validated token, the key that verified it, and until when it may be served."""

    value: Any
    key: Any
    deadline: float
    size: int


class VerifiedTokenCache:
    """A thread-safe LRU of `CachedToken` by token digest, within `max_entries` and `max_bytes`.

    `get` returns an entry only while `now < deadline`; an expired entry is dropped on sight.
    The caller decides whether the entry's key is still published (`is_current`), so a
    rotation that retires a key retires its tokens at once.
    """

    def __init__(self, *, max_entries: int, max_bytes: int, doorkeeper: bool = True):
        self.max_entries = max(0, int(max_entries))
        self.max_bytes = max(0, int(max_bytes))
        self.doorkeeper = doorkeeper
        self._entries: OrderedDict[bytes, CachedToken] = OrderedDict()
        # Digests validated once, oldest first. An `OrderedDict`, not a dict: dropping a plain
        # dict's oldest key (`next(iter(d))`) walks the holes earlier deletions left at its
        # front, ~5 µs per first-seen token once full; `popitem(last=False)` is O(1).
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        return self.max_entries > 0 and self.max_bytes > 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def bytes(self) -> int:
        """The estimated size of what the cache holds (`size_of` per entry)."""
        return self._bytes

    @staticmethod
    def size_of(token: str) -> int:
        return ENTRY_OVERHEAD + 2 * len(token)

    def get(self, digest: bytes, now: float, is_current: Callable[[Any], bool] | None = None) -> Any | None:
        """The cached value for `digest`, or None when absent, past its deadline, or its key is retired."""
        entry = self._entries.get(digest)
        if entry is None:
            return None
        if now >= entry.deadline or (is_current is not None and not is_current(entry.key)):
            self.discard(digest)
            return None
        with self._lock:
            if digest in self._entries:
                self._entries.move_to_end(digest)
        return entry.value

    def put(self, digest: bytes, value: Any, *, key: Any, deadline: float, size: int) -> None:
        """Remember a validated token (from its second validation on, with the doorkeeper).

        Evicts the least recently used entries to stay within both bounds.
        """
        if not self.enabled or size > self.max_bytes:
            return
        if self.doorkeeper and not self._admit(digest):
            return
        entry = CachedToken(value=value, key=key, deadline=deadline, size=size)
        with self._lock:
            old = self._entries.pop(digest, None)
            if old is not None:
                self._bytes -= old.size
            self._entries[digest] = entry
            self._bytes += size
            while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
                _, evicted = self._entries.popitem(last=False)
                self._bytes -= evicted.size

    def _admit(self, digest: bytes) -> bool:
        """True for a digest seen before; otherwise remember it (within `max_entries`) and say no."""
        with self._lock:
            if self._seen.pop(digest, False) is None:
                return True
            self._seen[digest] = None
            while len(self._seen) > self.max_entries:
                self._seen.popitem(last=False)
        return False

    def discard(self, digest: bytes) -> None:
        with self._lock:
            entry = self._entries.pop(digest, None)
            if entry is not None:
                self._bytes -= entry.size

    def retire(self, is_current: Callable[[Any], bool]) -> int:
        """Drop every entry whose key is no longer current (after a key set changed); how many."""
        with self._lock:
            retired = [digest for digest, entry in self._entries.items() if not is_current(entry.key)]
            for digest in retired:
                self._bytes -= self._entries.pop(digest).size
        return len(retired)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._seen.clear()
            self._bytes = 0


_cache: VerifiedTokenCache | None = None


def get_token_cache() -> VerifiedTokenCache:
    """The process-wide cache, sized by `TOKEN_CACHE_MAX_ENTRIES` and `TOKEN_CACHE_MAX_BYTES`."""
    global _cache
    cache = _cache
    if cache is None:
        cache = _cache = VerifiedTokenCache(
            max_entries=api_settings.TOKEN_CACHE_MAX_ENTRIES, max_bytes=api_settings.TOKEN_CACHE_MAX_BYTES
        )
    return cache


def reset_token_cache() -> None:
    """Forget every cached token (settings changed: the policy that admitted them may differ)."""
    global _cache
    _cache = None


def reset_token_cache_on_change(*, setting: str, **kwargs) -> None:
    """`setting_changed` receiver: a token admitted under other settings must be checked again."""
    if setting in ("API_AUTH", "CACHES", "DEBUG"):
        reset_token_cache()
