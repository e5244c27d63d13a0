"""Transport policy for secret-bearing endpoints: TLS, or the loopback interface only."""

from ccproject.loopback import is_loopback_host

from .conf import authserver_settings

# Headers a reverse proxy adds when it relays someone else's request (RFC 7239 `Forwarded`
# and the de-facto X-Forwarded-* / X-Real-IP family). A loopback peer that sends any of them
# is a proxy on the same host, not the client: the credentials may have crossed a network.
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
    return any(request.META.get(header) for header in FORWARDING_HEADERS)


def transport_is_acceptable(request) -> bool:
    """Whether a request may carry client secrets, admin tokens or access tokens.

    RFC 6749 §1.6 and §2.3.1 require TLS wherever credentials travel. `is_secure()` honors
    Django's `SECURE_PROXY_SSL_HEADER`, so a trusted TLS-terminating proxy saying https is
    enough. Plain http is accepted from the loopback interface only when the peer is the
    client itself: a loopback peer carrying forwarding headers is a local proxy relaying
    someone else's plain http, and is refused (fail closed). `ALLOW_INSECURE_HTTP` still
    accepts plain http everywhere.
    """
    if request.is_secure() or authserver_settings.ALLOW_INSECURE_HTTP:
        return True
    if carries_forwarding_evidence(request):
        return False
    return is_loopback_host(request.META.get("REMOTE_ADDR", ""))
