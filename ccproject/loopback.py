"""Whether a host, URL or peer address is this machine's loopback interface."""

import ipaddress
from urllib.parse import urlsplit


def is_loopback_host(host: str | None) -> bool:
    """`localhost`, a name under `.localhost` (RFC 6761 §6.3), or a loopback IP address (brackets allowed)."""
    if not host:
        return False
    host = host.strip("[]")
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
