"""A `private_key_jwt` client's keys published at its `jwks_uri` (RFC 7591 §2), fetched boundedly and cached.

The fetch is the project's bounded one (timeouts on the whole exchange, a size cap, no
redirects, https outside loopback and DEBUG, strict JSON). The key set is kept in the Django
cache for `CLIENT_JWKS_TTL` seconds; an assertion naming a `kid` the cached set lacks fetches
again at most once per `CLIENT_JWKS_REFRESH_COOLDOWN`, so forged assertions cannot turn the
token endpoint into a flood of requests to someone's server.
"""

import hashlib
import logging
import time

from django.core.cache import cache

from ccproject.remote_json import FetchError, fetch_json, is_secure_url

from .conf import authserver_settings
from .credentials import CredentialError, clean_public_jwk

logger = logging.getLogger(__name__)


class KeySetUnavailable(Exception):
    """The client's key set could not be fetched or holds no usable key; the message is client-facing."""


def is_fetchable_uri(uri: str) -> bool:
    """Whether a `jwks_uri` may be registered: https, or http to loopback or under DEBUG."""
    return is_secure_url(uri)


def _cache_key(uri: str) -> str:
    return "ccp:client-jwks:v1:" + hashlib.sha256(uri.encode()).hexdigest()[:40]


def _usable_keys(document: dict) -> list[dict]:
    keys = document.get("keys")
    if not isinstance(keys, list):
        return []
    usable, kids = [], set()
    for jwk in keys[: authserver_settings.CLIENT_JWKS_MAX_KEYS]:
        try:
            cleaned = clean_public_jwk(jwk)
        except CredentialError:
            continue  # one unusable key (a private one included) is skipped, not the set
        if cleaned["kid"] not in kids:
            kids.add(cleaned["kid"])
            usable.append(cleaned)
    return usable


def remote_keys(uri: str, *, refresh: bool = False, timer=time.time) -> list[dict]:
    """The usable public keys at `uri`; `refresh` asks for a new fetch (within the cooldown).

    Raises `KeySetUnavailable` when nothing usable is known: the client cannot authenticate.
    """
    key = _cache_key(uri)
    cached = cache.get(key)
    now = timer()
    if cached is not None:
        recent = now - cached["fetched_at"] < authserver_settings.CLIENT_JWKS_REFRESH_COOLDOWN
        if not refresh or recent:
            return cached["keys"]
    try:
        document = fetch_json(
            uri,
            timeout=tuple(authserver_settings.CLIENT_JWKS_HTTP_TIMEOUT),
            max_bytes=authserver_settings.CLIENT_JWKS_MAX_BYTES,
        )
    except FetchError as exc:
        logger.warning("A client's jwks_uri could not be fetched: %s", exc)
        if cached is not None:
            return cached["keys"]
        raise KeySetUnavailable(
            "The client's jwks_uri could not be fetched (unreachable, too slow, too large, redirected or not JSON)."
        ) from exc
    keys = _usable_keys(document.data)
    if not keys:
        raise KeySetUnavailable("The client's jwks_uri holds no usable public signing key.")
    cache.set(key, {"keys": keys, "fetched_at": now}, authserver_settings.CLIENT_JWKS_TTL)
    return keys
