"""Whether a host, URL or peer address is this machine's loopback interface, and the peer the client itself."""

import ipaddress
from urllib.parse import urlsplit


def is_loopback_host(host: str | None) -> bool:
    """`localhost`, a name under `.localhost` (RFC 6761 §6.3), or a loopback IP address (brackets allowed)."""
    if not host:
        return False
    if host.startswith("[") and host.endswith("]"):  # an IPv6 literal as URLs write it; `[::1` is no host
        host = host[1:-1]
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_url(url: str) -> bool:
    """Whether `url` names a loopback host; `False` for a URL that cannot be parsed."""
    try:
        return is_loopback_host(urlsplit(url).hostname)
    except ValueError:
        return False


# Headers a reverse proxy adds when it relays someone else's request (RFC 7239 `Forwarded`
# and the de-facto X-Forwarded-* / X-Real-IP family). A loopback peer that sends any of them
# is a proxy on the same host, not the client: what it relays may have crossed a network.
FORWARDING_HEADERS = (
    "HTTP_FORWARDED",
    "HTTP_X_FORWARDED_FOR",
    "HTTP_X_FORWARDED_PROTO",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PORT",
    "HTTP_X_FORWARDED_SCHEME",
    "HTTP_X_FORWARDED_SSL",
    "HTTP_X_REAL_IP",
    "HTTP_X_CLIENT_IP",
    "HTTP_TRUE_CLIENT_IP",
    "HTTP_CF_CONNECTING_IP",
)


def carries_forwarding_evidence(request) -> bool:
    """Whether the request came through a proxy: its peer address is not the client's."""
    return any(request.META.get(header) for header in FORWARDING_HEADERS)
