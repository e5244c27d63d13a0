"""Transport policy for secret-bearing endpoints: TLS, or the loopback interface only."""

import ipaddress

from .conf import authserver_setting


def is_loopback_address(address: str) -> bool:
    try:
        return ipaddress.ip_address(address.strip("[]")).is_loopback
    except ValueError:
        return False


def transport_is_acceptable(request) -> bool:
    """Whether a request may carry client secrets, admin tokens or access tokens.

    RFC 6749 §1.6 and §2.3.1 require TLS wherever credentials travel. Plain http is
    accepted only from the loopback interface (the credentials never cross a network),
    or everywhere when `ALLOW_INSECURE_HTTP` says so. Behind a TLS-terminating proxy set
    Django's `SECURE_PROXY_SSL_HEADER` so `is_secure()` sees the original scheme.
    """
    if request.is_secure() or authserver_setting("ALLOW_INSECURE_HTTP"):
        return True
    return is_loopback_address(request.META.get("REMOTE_ADDR", ""))
