"""An issuer's metadata (RFC 8414, OpenID Connect Discovery 1.0): its `jwks_uri` and its token endpoint."""

import hashlib
import time
from urllib.parse import urlsplit, urlunsplit

import requests

from .conf import api_settings
from .remote import FetchError, fetch_json, is_secure_url
from .sharedcache import SharedCache

# The shared cache entry of one issuer's metadata, read by every worker and the command line.
METADATA_KEY_PREFIX = "ccp:metadata:v1:"
# Entra ID's v1.0 token issuer hosts, and the login host that publishes their metadata.
ENTRA_V1_METADATA_HOSTS = {
    "sts.windows.net": "login.microsoftonline.com",
    "sts.chinacloudapi.cn": "login.chinacloudapi.cn",
}


def metadata_urls(issuer: str) -> list[str]:
    """Where an issuer's metadata may live, in the order tried.

    RFC 8414 §3.1 inserts the well-known segment between host and path; Okta also serves
    it appended to the issuer, and OpenID Connect Discovery 1.0 §4 appends its own.
    """
    parts = urlsplit(issuer)
    path = parts.path.rstrip("/")
    inserted = urlunsplit((parts.scheme, parts.netloc, f"/.well-known/oauth-authorization-server{path}", "", ""))
    base = issuer.rstrip("/")
    urls = [inserted, f"{base}/.well-known/oauth-authorization-server", f"{base}/.well-known/openid-configuration"]
    login_host = ENTRA_V1_METADATA_HOSTS.get(parts.netloc)
    if login_host and parts.scheme == "https":
        # Entra ID v1.0: the issuer is `https://sts.windows.net/{tenant}/`, its metadata (naming
        # that issuer) lives at `https://login.microsoftonline.com/{tenant}/.well-known/openid-configuration`.
        urls.insert(0, f"https://{login_host}{path}/.well-known/openid-configuration")
    return list(dict.fromkeys(urls))


def discover_metadata(issuer: str, session: requests.Session | None = None) -> dict:
    """`{"jwks_uri", "token_endpoint"}` from the first metadata document of `issuer` that gives a `jwks_uri`.

    `token_endpoint` is None when the document names none, or one that is not https (a
    client would send its secret in clear text). Raises `FetchError` when no document will do.
    """
    failures = []
    for url in metadata_urls(issuer):
        try:
            metadata = fetch_json(url, session).data
        except FetchError as exc:
            failures.append(str(exc))
            continue
        # RFC 8414 §3.3: the document must name exactly the issuer it was fetched for.
        if metadata.get("issuer") != issuer:
            failures.append(f"{url} names another issuer")
            continue
        jwks_uri = metadata.get("jwks_uri")
        if isinstance(jwks_uri, str) and is_secure_url(jwks_uri):
            token_url = metadata.get("token_endpoint")
            secure = isinstance(token_url, str) and is_secure_url(token_url)
            return {"jwks_uri": jwks_uri, "token_endpoint": token_url if secure else None}
        if isinstance(jwks_uri, str) and jwks_uri:
            failures.append(f"{url} gives an insecure jwks_uri")
            continue
        failures.append(f"{url} has no jwks_uri")
    raise FetchError("discovery failed: " + "; ".join(failures))


def discover_jwks_uri(issuer: str, session: requests.Session | None = None) -> str:
    """Return the issuer's `jwks_uri`; raise `FetchError` when no metadata document gives one."""
    return discover_metadata(issuer, session)["jwks_uri"]


def metadata_cache_key(issuer: str) -> str:
    # Hashed: issuer URLs may be longer than, or contain characters that, some backends refuse.
    return METADATA_KEY_PREFIX + hashlib.sha256(issuer.encode()).hexdigest()[:32]


def _fresh(entry, issuer: str, now: float) -> bool:
    return (
        isinstance(entry, dict)
        and entry.get("issuer") == issuer
        and isinstance(entry.get("jwks_uri"), str)
        and isinstance(entry.get("token_endpoint", ""), str | None)
        and isinstance(entry.get("discovered_at"), int | float)
        and now < entry["discovered_at"] + api_settings.DISCOVERY_TTL
    )


def cached_metadata(issuer: str, shared: SharedCache, now: float, session: requests.Session | None = None) -> dict:
    """The issuer's metadata entry from the shared cache, else discovered and shared for `DISCOVERY_TTL`.

    Only a success is remembered: a failed discovery raises `FetchError` and is tried
    again at the next refresh, so an issuer that was down at start-up is found later.
    """
    key = metadata_cache_key(issuer)
    entry = shared.get(key)
    if _fresh(entry, issuer, now):
        return entry
    entry = {"issuer": issuer, **discover_metadata(issuer, session), "discovered_at": now}
    shared.set(key, entry, timeout=api_settings.DISCOVERY_TTL)
    return entry


def cached_jwks_uri(issuer: str, shared: SharedCache, now: float, session: requests.Session | None = None) -> str:
    """The issuer's `jwks_uri`, discovered once and shared (`cached_metadata`)."""
    return cached_metadata(issuer, shared, now, session)["jwks_uri"]


def forget_metadata(issuer: str, shared: SharedCache) -> None:
    """Discover again next time (the issuer may have moved its keys)."""
    shared.delete(metadata_cache_key(issuer))


def okta_token_endpoint(issuer: str) -> str:
    """Okta's layout, `{issuer}/v1/token`: the answer when the issuer publishes no metadata."""
    return issuer.rstrip("/") + "/v1/token"


_shared: dict[str, SharedCache] = {}


def token_endpoint(issuer: str | None = None, *, shared: bool = True, session: requests.Session | None = None) -> str:
    """Where a client of `issuer` (default `ISSUER`) gets its tokens: the one answer for the whole project.

    `TOKEN_ENDPOINT` when set; else the `token_endpoint` of the issuer's metadata (RFC 8414
    §2, OpenID Connect Discovery 1.0 §3); else Okta's `{issuer}/v1/token`. Never raises.
    With `shared` (the server) the metadata is shared in the cache with the `jwks_uri` the
    key set discovers, and an issuer that cannot be asked is asked again at most once per
    `JWKS_REFRESH_COOLDOWN` cluster-wide, so requests that render this URL (the schema, a
    401 page) cannot turn into a flood of requests to the issuer, nor wait on it more than
    once per window. Without (a one-shot command) the issuer is asked directly.
    """
    if api_settings.TOKEN_ENDPOINT:
        return api_settings.TOKEN_ENDPOINT
    issuer = issuer or api_settings.ISSUER
    entry = _shared_metadata(issuer, session) if shared else _metadata_now(issuer, session)
    if entry and entry.get("token_endpoint"):
        return entry["token_endpoint"]
    return okta_token_endpoint(issuer)


def _metadata_now(issuer: str, session: requests.Session | None) -> dict | None:
    try:
        return discover_metadata(issuer, session)
    except FetchError:
        return None


def _shared_metadata(issuer: str, session: requests.Session | None) -> dict | None:
    alias = api_settings.CACHE_ALIAS
    shared = _shared.get(alias) or _shared.setdefault(alias, SharedCache(alias))
    now = time.time()
    entry = shared.get(metadata_cache_key(issuer))
    if _fresh(entry, issuer, now):
        return entry
    cooldown = max(api_settings.JWKS_REFRESH_COOLDOWN, 1)
    if not shared.add(metadata_cache_key(issuer) + ":asked", True, timeout=cooldown):
        return None
    try:
        return cached_metadata(issuer, shared, now, session)
    except FetchError:
        return None
