"""The key-set cache: parsed keys in process over a JWKS document shared in Django's cache."""

import logging
import time

import jwt
from django.core.cache import caches
from jwt.exceptions import PyJWKError

from .conf import api_settings
from .discovery import discover_jwks_uri
from .exceptions import KeysUnavailable, TokenError
from .remote import FetchError, fetch_json

logger = logging.getLogger(__name__)


def parse_jwks(document: dict) -> dict[str, jwt.PyJWK]:
    """Usable signing keys by `kid`; keys of another use, unsupported or unparsable are skipped."""
    keys = {}
    for jwk in document.get("keys") or []:
        if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
            continue
        if jwk.get("use", "sig") != "sig":
            continue
        try:
            key = jwt.PyJWK(jwk)
        except (PyJWKError, ValueError, TypeError, KeyError):
            continue
        keys[jwk["kid"]] = key
    return keys


class KeySet:
    """The signing keys of one issuer.

    Level one is this object's parsed keys, so the hot path parses nothing and makes no
    cache round trip. Level two is the JWKS document in the Django cache named by
    `CACHE_ALIAS`, shared by every worker and host. The issuer is asked only when both
    are stale, or (at most once per cooldown) when a token names an unknown `kid`.
    """

    cache_key_prefix = "ccp:jwks:"
    timer = staticmethod(time.time)

    def __init__(self, issuer: str, jwks_uri: str | None = None):
        self.issuer = issuer
        self.jwks_uri = jwks_uri
        self._keys: dict[str, jwt.PyJWK] = {}
        self._fresh_until = 0.0

    @property
    def cache(self):
        return caches[api_settings.CACHE_ALIAS]

    @property
    def cache_key(self) -> str:
        return self.cache_key_prefix + self.issuer

    def get_key(self, kid: str) -> jwt.PyJWK:
        """The key for `kid`; raises `TokenError` if the issuer has none, `KeysUnavailable` if unreachable."""
        now = self.timer()
        if now >= self._fresh_until:
            self._load(now)
        key = self._keys.get(kid)
        if key is None and self._claim_refresh_slot(now):
            self._refresh(now)
            key = self._keys.get(kid)
        if key is None:
            raise TokenError("The token is signed with a key the issuer does not publish.")
        return key

    def _load(self, now: float) -> None:
        entry = self.cache.get(self.cache_key)
        if entry and entry["fresh_until"] > now:
            self._install(entry)
        else:
            self._refresh(now)

    def _claim_refresh_slot(self, now: float) -> bool:
        """At most one unknown-`kid` refresh per cooldown window, across every worker."""
        cooldown = api_settings.JWKS_REFRESH_COOLDOWN
        return self.cache.add(self.cache_key + ":cooldown", now, timeout=cooldown)

    def _refresh(self, now: float) -> None:
        try:
            document = fetch_json(self.jwks_uri or discover_jwks_uri(self.issuer))
        except FetchError as exc:
            if self._keys:
                logger.warning("Key set refresh for %s failed, keeping known keys: %s", self.issuer, exc)
                self._fresh_until = now + api_settings.JWKS_REFRESH_COOLDOWN
                return
            raise KeysUnavailable(f"The issuer's signing keys are unavailable: {exc}") from exc
        ttl = document.max_age if document.max_age is not None else api_settings.JWKS_TTL
        entry = {"jwks": document.data, "fetched_at": now, "fresh_until": now + ttl}
        self.cache.set(self.cache_key, entry, timeout=None)
        self._install(entry)

    def _install(self, entry: dict) -> None:
        self._keys = parse_jwks(entry["jwks"])
        self._fresh_until = entry["fresh_until"]


_key_sets: dict[tuple[str, str | None], KeySet] = {}


def get_key_set(issuer: str, jwks_uri: str | None = None) -> KeySet:
    """The process-wide `KeySet` of an issuer."""
    key = (issuer, jwks_uri)
    if key not in _key_sets:
        _key_sets[key] = KeySet(issuer, jwks_uri)
    return _key_sets[key]


def reset_key_sets() -> None:
    """Forget every in-process key set (settings changed, or between tests)."""
    _key_sets.clear()
