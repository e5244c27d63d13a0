"""Finding an issuer's `jwks_uri`: RFC 8414 metadata, then OpenID Connect discovery."""

from urllib.parse import urlsplit, urlunsplit

import requests

from .remote import FetchError, fetch_json


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
        if isinstance(jwks_uri, str) and jwks_uri:
            return jwks_uri
        failures.append(f"{url} has no jwks_uri")
    raise FetchError("discovery failed: " + "; ".join(failures))
