"""The key-set cache: parsed keys in process over a JWKS document shared in Django's cache."""

import hashlib
import logging
import math
import secrets
import time
from dataclasses import dataclass, field

import requests

from ccproject import metrics

from .conf import api_settings
from .discovery import cached_jwks_uri, forget_metadata
from .exceptions import KeysUnavailable, TokenError
from .keys import ParsedKeySet, VerificationKey, parse_jwks
from .remote import FetchError, fetch_json
from .sharedcache import SharedCache
from .token_cache import get_token_cache

logger = logging.getLogger(__name__)

# How often a worker waiting for another one's first fetch looks at the shared cache, seconds.
COLD_START_POLL = 0.05
# Unknown `kid`s remembered per process; a flood of random ones is cleared rather than grown.
MAX_REMEMBERED_MISSES = 10_000


@dataclass(frozen=True)
class Snapshot:
    """One fetched key set: what the hot path reads, swapped whole so threads never see half of it."""

    keys: dict[str, VerificationKey] = field(default_factory=dict)
    fetched_at: float = -math.inf
    fresh_until: float = -math.inf
    jwks_uri: str | None = None
    ignored: tuple[str, ...] = ()
    # Which shared document this is: a random id per fetch, so two fetches never look alike
    # (None: a document shared without one; "": nothing installed yet).
    version: str | None = ""


def clamp_ttl(max_age: int | None) -> float:
    """`Cache-Control: max-age` within [JWKS_MIN_TTL, JWKS_MAX_TTL]; JWKS_TTL without one."""
    ttl = api_settings.JWKS_TTL if max_age is None else max_age
    return float(min(max(ttl, api_settings.JWKS_MIN_TTL), api_settings.JWKS_MAX_TTL))


class KeySet:
    """The signing keys of one issuer.

    Level one is `Snapshot`, this process's parsed keys: between two looks at the shared
    level, `get_key` is a clock read and a dict lookup. Level two is the JWKS document in the
    Django cache `CACHE_ALIAS`, shared by every worker and host. Each worker looks at it once
    per `JWKS_RECHECK_INTERVAL` (one cache read, on the first request after the interval, never
    on every request) and adopts whatever document it holds, so a key set that any worker or
    `manage.py jwks refresh` fetched, a pulled key removed, reaches every worker within the
    interval; the verified tokens of a removed key are dropped with it. Fetches from the
    issuer are single-flight cluster-wide: a worker fetches only after winning the current
    cooldown window's slot (an atomic `cache.add`), so the issuer sees at most one request per
    window whatever the traffic.
    Time comes from `timer` and waiting from `sleep`, so tests inject both.
    """

    cache_key_prefix = "ccp:jwks:v1:"
    timer = staticmethod(time.time)
    sleep = staticmethod(time.sleep)
    session: requests.Session | None = None

    def __init__(self, issuer: str, jwks_uri: str | None = None):
        self.issuer = issuer
        self.jwks_uri = jwks_uri
        # Hashed: issuer URLs may be longer than, or contain characters that, some backends refuse.
        digest = hashlib.sha256(f"{issuer}\n{jwks_uri or ''}".encode()).hexdigest()[:32]
        self.cache_key = self.cache_key_prefix + digest
        self.shared = SharedCache(api_settings.CACHE_ALIAS, timer=lambda: self.timer())
        self._snapshot = Snapshot()
        self._check_at = -math.inf
        self._misses: dict[str, float] = {}
        self._lost_window: int | None = None

    # -- the hot path ---------------------------------------------------------------------

    def get_key(self, kid: str) -> VerificationKey:
        """The key for `kid`; raises `TokenError` if the issuer has none, `KeysUnavailable` if unreachable."""
        now = self.timer()
        if now >= self._check_at:
            self._revalidate(now)
        key = self._snapshot.keys.get(kid)
        return key if key is not None else self._unknown_kid(kid, now)

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    # -- freshness ------------------------------------------------------------------------

    def _revalidate(self, now: float) -> None:
        snapshot = self._adopt_shared(now)
        if now < snapshot.fresh_until:
            self._schedule(now)
            return
        if not self._refresh(now) and not self._usable(self._snapshot, now):
            self._wait_for_peer()
        snapshot, now = self._snapshot, self.timer()
        if not self._usable(snapshot, now):
            self._check_at = -math.inf
            raise KeysUnavailable(
                "The issuer's signing keys are unavailable; try again later.", retry_after=self.retry_after(now)
            )
        self._schedule(now)

    def _schedule(self, now: float) -> None:
        """Look at the shared level again after `JWKS_RECHECK_INTERVAL`, or when the keys go stale or unusable."""
        snapshot = self._snapshot
        # Fresh: until the soft expiry. Stale (another worker is refreshing, or the issuer is
        # down): until the staleness limit, when the keys stop serving.
        until = (
            snapshot.fresh_until
            if now < snapshot.fresh_until
            else snapshot.fetched_at + api_settings.JWKS_MAX_STALENESS
        )
        self._check_at = min(now + api_settings.JWKS_RECHECK_INTERVAL, until)

    def _usable(self, snapshot: Snapshot, now: float) -> bool:
        return now < snapshot.fetched_at + api_settings.JWKS_MAX_STALENESS

    def _unknown_kid(self, kid: str, now: float) -> VerificationKey:
        """A `kid` not in our keys: a rotation (fetch, within the cooldown) or a forgery (remember it)."""
        if self._misses.get(kid, -math.inf) > now:
            raise TokenError("The token is signed with a key the issuer does not publish.")
        snapshot = self._adopt_shared(now)  # another worker may have fetched the rotation already
        key = snapshot.keys.get(kid)
        if key is None and now - snapshot.fetched_at >= api_settings.JWKS_REFRESH_COOLDOWN:
            if self._refresh(now):
                key = self._snapshot.keys.get(kid)
            else:
                # Right after a rotation every worker sees the new `kid` at once and one wins the
                # fetch: the others wait for it instead of refusing good tokens for a cooldown.
                self._await_peer_fetch()
                key = self._adopt_shared(self.timer()).keys.get(kid)
        if key is None:
            self._remember_miss(kid, now)
            raise TokenError("The token is signed with a key the issuer does not publish.")
        return key

    def _remember_miss(self, kid: str, now: float) -> None:
        if len(self._misses) >= MAX_REMEMBERED_MISSES:
            self._misses = {k: until for k, until in self._misses.items() if until > now}
            if len(self._misses) >= MAX_REMEMBERED_MISSES:
                self._misses = {}
        self._misses[kid] = now + api_settings.JWKS_REFRESH_COOLDOWN

    # -- the shared level -----------------------------------------------------------------

    def _adopt_shared(self, now: float) -> Snapshot:
        """Install the shared document if it is not the one we hold; the current snapshot either way.

        Another one, not only a newer one: the shared cache is the cluster's truth, and the
        clocks of the hosts that stamp `fetched_at` may disagree by more than a refresh apart.
        """
        entry = self.shared.get(self.cache_key)
        if (
            isinstance(entry, dict)
            and entry.get("issuer") == self.issuer
            and isinstance(entry.get("fetched_at"), int | float)
            and isinstance(entry.get("fresh_until"), int | float)
            and entry.get("version") != self._snapshot.version
        ):
            parsed = parse_jwks(entry.get("jwks"))
            if parsed.keys:
                self._install(entry, parsed)
                metrics.key_set_adopted(self.issuer)
        return self._snapshot

    def _install(self, entry: dict, parsed: ParsedKeySet) -> None:
        previous = self._snapshot
        self._snapshot = Snapshot(
            keys=parsed.keys,
            fetched_at=float(entry["fetched_at"]),
            fresh_until=float(entry["fresh_until"]),
            jwks_uri=entry.get("jwks_uri"),
            ignored=parsed.ignored,
            version=entry.get("version"),
        )
        self._schedule(self.timer())
        self._misses = {}
        removed = {id(key) for kid, key in previous.keys.items() if not same_key(key, parsed.keys.get(kid))}
        if removed:
            # A key the issuer no longer publishes (retired, or pulled as compromised): the tokens
            # it verified leave the verified-token cache now, not at their next use.
            get_token_cache().retire(lambda signer: id(signer[1]) not in removed)

    def _window(self, now: float) -> int:
        return int(now // max(api_settings.JWKS_REFRESH_COOLDOWN, 1))

    def _slot_key(self, window: int) -> str:
        return f"{self.cache_key}:slot:{window}"

    def retry_after(self, now: float) -> int:
        """Seconds until the next cooldown window, when another fetch may be tried."""
        cooldown = max(api_settings.JWKS_REFRESH_COOLDOWN, 1)
        return max(1, math.ceil((self._window(now) + 1) * cooldown - now))

    def _claim_slot(self, now: float) -> int | None:
        """The current window if this worker won its fetch slot (one per window, cluster-wide)."""
        window = self._window(now)
        if self._lost_window == window:
            return None
        timeout = 2 * max(api_settings.JWKS_REFRESH_COOLDOWN, 1)
        if self.shared.add(self._slot_key(window), "busy", timeout=timeout):
            return window
        self._lost_window = window
        return None

    def _wait_for_peer(self) -> None:
        """With no key at all, give the worker that holds the slot time to finish its fetch."""
        window = self._lost_window
        deadline = self.timer() + api_settings.JWKS_COLD_START_WAIT
        while window is not None:
            # The slot's state is read before the shared keys: a peer shares its keys before it
            # marks the slot done, so "done" here means the adoption below sees them (read the
            # other way round, a fetch finishing between the two reads was missed: a 503).
            state = self.shared.get(self._slot_key(window))
            if self._usable(self._adopt_shared(self.timer()), self.timer()):
                return
            if state != "busy" or self.timer() >= deadline:
                return  # the fetch failed (or its worker died): answer now, retry next window
            self.sleep(COLD_START_POLL)

    def _await_peer_fetch(self) -> None:
        """While the worker holding this window's slot is fetching, wait for it (bounded)."""
        window = self._lost_window
        deadline = self.timer() + api_settings.JWKS_COLD_START_WAIT
        while window is not None and self.shared.get(self._slot_key(window)) == "busy" and self.timer() < deadline:
            self.sleep(COLD_START_POLL)

    # -- fetching -------------------------------------------------------------------------

    def _refresh(self, now: float, *, force: bool = False) -> bool:
        """Fetch the key set if this worker wins the window's slot (or `force`); True when installed."""
        window = self._window(now) if force else self._claim_slot(now)
        if window is None:
            return False
        outcome = "failed"
        try:
            self.fetch(now)
            outcome = "done"
        except FetchError as exc:
            self._record_failure(now, str(exc))
        finally:
            self.shared.set(self._slot_key(window), outcome, timeout=2 * max(api_settings.JWKS_REFRESH_COOLDOWN, 1))
        return outcome == "done"

    def fetch(self, now: float) -> Snapshot:
        """Fetch, validate, share and install the key set; raise `FetchError`, leaving the cache untouched."""
        jwks_uri = self.jwks_uri or cached_jwks_uri(self.issuer, self.shared, now, self.session)
        try:
            document = fetch_json(jwks_uri, self.session)
            parsed = parse_jwks(document.data)
            if not parsed.keys:
                reasons = "; ".join(parsed.ignored[:3]) or "no keys"
                raise FetchError(f"{jwks_uri} holds no usable signing key ({reasons})")
        except FetchError:
            if not self.jwks_uri:  # the issuer may have moved its keys: discover again next time
                forget_metadata(self.issuer, self.shared)
            raise
        ttl = clamp_ttl(document.max_age)
        entry = {
            "issuer": self.issuer,
            "jwks_uri": jwks_uri,
            "jwks": document.data,
            "fetched_at": now,
            "fresh_until": now + ttl,
            "version": secrets.token_hex(8),
        }
        self.shared.set(self.cache_key, entry, timeout=ttl + api_settings.JWKS_MAX_STALENESS)
        self.shared.delete(self.cache_key + ":failure")
        self._install(entry, parsed)
        metrics.key_set_fetched(self.issuer, ok=True)
        if parsed.ignored:
            ignored = "; ".join(parsed.ignored)
            logger.info("Key set of %s: ignored %d key(s): %s", self.issuer, len(parsed.ignored), ignored)
        return self._snapshot

    def _record_failure(self, now: float, reason: str) -> None:
        metrics.key_set_fetched(self.issuer, ok=False)
        failure = {"at": now, "reason": reason}
        self.shared.set(self.cache_key + ":failure", failure, timeout=api_settings.JWKS_MAX_STALENESS)
        snapshot = self._snapshot
        if self._usable(snapshot, now):
            logger.warning(
                "Key set refresh for %s failed (%s); serving the keys fetched %d s ago, for at most %d s more.",
                self.issuer,
                reason,
                now - snapshot.fetched_at,
                snapshot.fetched_at + api_settings.JWKS_MAX_STALENESS - now,
            )
        else:
            logger.error("Key set refresh for %s failed (%s); no usable key: answering 503.", self.issuer, reason)

    def ensure_ready(self) -> bool:
        """Whether this issuer's keys can check a token now, for the readiness probe.

        Known keys (fresh or within the staleness limit, ours or a peer's) answer at once;
        without any, one fetch under the very slot a request would claim, never waiting for a
        peer: a probe causes no key-set traffic that requests would not.
        """
        now = self.timer()
        if self._usable(self._adopt_shared(now), now):
            return True
        return self._refresh(now)

    # -- operations (the `jwks` command) ----------------------------------------------------

    def refresh_now(self) -> Snapshot:
        """Fetch now, ignoring freshness and the cooldown; raise `FetchError` on failure."""
        now = self.timer()
        try:
            return self.fetch(now)
        except FetchError as exc:
            self._record_failure(now, str(exc))
            raise

    def status(self) -> dict:
        """What the shared cache holds for this issuer, for operators."""
        now = self.timer()
        self._adopt_shared(now)
        snapshot = self._snapshot
        failure = self.shared.get(self.cache_key + ":failure")
        cached = snapshot.fetched_at > -math.inf
        return {
            "issuer": self.issuer,
            "jwks_uri": snapshot.jwks_uri or self.jwks_uri,
            "cached": cached,
            "fetched_at": snapshot.fetched_at if cached else None,
            "fresh_until": snapshot.fresh_until if cached else None,
            "state": "missing"
            if not cached
            else "fresh"
            if now < snapshot.fresh_until
            else "stale"
            if self._usable(snapshot, now)
            else "expired",
            "keys": [key.describe() for key in snapshot.keys.values()],
            "ignored": list(snapshot.ignored),
            "last_failure": failure if isinstance(failure, dict) else None,
        }


def same_key(key: VerificationKey, other: VerificationKey | None) -> bool:
    """Whether `other` is `key`: the same object, or the same public key bound to the same algorithm."""
    return other is key or (other is not None and other.algorithm == key.algorithm and other.key == key.key)


_key_sets: dict[tuple[str, str | None], KeySet] = {}


def get_key_set(issuer: str, jwks_uri: str | None = None) -> KeySet:
    """The process-wide `KeySet` of an issuer."""
    key = (issuer, jwks_uri)
    key_set = _key_sets.get(key)
    if key_set is None:
        key_set = _key_sets.setdefault(key, KeySet(issuer, jwks_uri))
    return key_set


def reset_key_sets() -> None:
    """Forget every in-process key set (settings changed, or between tests)."""
    _key_sets.clear()


def reset_key_sets_on_change(*, setting: str, **kwargs) -> None:
    """`setting_changed` receiver: a key set binds its cache and its issuer's URLs (https outside DEBUG)."""
    if setting in ("API_AUTH", "CACHES", "DEBUG"):
        reset_key_sets()
