"""Finding an issuer's `jwks_uri`: RFC 8414 metadata, then OpenID Connect discovery."""

from urllib.parse import urlsplit, urlunsplit

import requests

from .conf import api_settings
from .remote import FetchError, fetch_json, is_secure_url


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
    return list(dict.fromkeys(urls))


def discover_jwks_uri(issuer: str, session: requests.Session | None = None) -> str:
    """Return the issuer's `jwks_uri`; raise `FetchError` when no metadata document gives one."""
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
            return jwks_uri
        if isinstance(jwks_uri, str) and jwks_uri:
            failures.append(f"{url} gives an insecure jwks_uri")
            continue
        failures.append(f"{url} has no jwks_uri")
    raise FetchError("discovery failed: " + "; ".join(failures))


def uri_cache_entry(issuer: str, jwks_uri: str, now: float) -> dict:
    return {"issuer": issuer, "jwks_uri": jwks_uri, "discovered_at": now}


def cached_jwks_uri(issuer: str, shared, cache_key: str, now: float, session: requests.Session | None = None) -> str:
    """The issuer's `jwks_uri` from the shared cache, else discovered and shared for `DISCOVERY_TTL`.

    Only a success is remembered: a failed discovery raises `FetchError` and is tried
    again at the next refresh, so an issuer that was down at start-up is found later.
    """
    ttl = api_settings.DISCOVERY_TTL
    entry = shared.get(cache_key)
    if (
        isinstance(entry, dict)
        and entry.get("issuer") == issuer
        and isinstance(entry.get("jwks_uri"), str)
        and isinstance(entry.get("discovered_at"), int | float)
        and now < entry["discovered_at"] + ttl
    ):
        return entry["jwks_uri"]
    jwks_uri = discover_jwks_uri(issuer, session)
    shared.set(cache_key, uri_cache_entry(issuer, jwks_uri, now), timeout=ttl)
    return jwks_uri
