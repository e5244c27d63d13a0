"""Transport policy for secret-bearing endpoints: TLS, or the loopback interface only."""

from ccproject.loopback import carries_forwarding_evidence, is_loopback_host

from .conf import authserver_settings


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
