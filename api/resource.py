"""The API's resource identifier (RFC 8707 §2) and the URL of its protected resource metadata (RFC 9728 §3.1)."""

from urllib.parse import urlsplit, urlunsplit

from .conf import api_settings

WELL_KNOWN = "/.well-known/oauth-protected-resource"


def resource_identifier() -> str:
    """`API_AUTH["RESOURCE"]`: always from settings, never from a request's `Host` header.

    A client compares it with the URL it called (RFC 9728 §3.3) and asks the issuer for a token
    audienced to it; taking it from the request would let a forged `Host` redirect both.
    """
    return api_settings.RESOURCE


def metadata_url(resource: str | None = None) -> str:
    """Where the metadata of `resource` lives: RFC 9728 §3.1 inserts the well-known path before its path.

    `https://api.example.com` → `https://api.example.com/.well-known/oauth-protected-resource`;
    `https://example.com/api` → `https://example.com/.well-known/oauth-protected-resource/api`.
    """
    parts = urlsplit(resource or resource_identifier())
    # §3.1: a terminating slash after the host is removed before inserting the well-known path.
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, WELL_KNOWN + path, parts.query, ""))


def resource_path(resource: str | None = None) -> str:
    """The path of the resource identifier without slashes at either end ('' for an origin)."""
    return urlsplit(resource or resource_identifier()).path.strip("/")


def challenge_params() -> dict[str, str]:
    """The auth-params every challenge of this API carries: `resource_metadata` (RFC 9728 §5.1)."""
    return {"resource_metadata": metadata_url()} if api_settings.RESOURCE else {}
