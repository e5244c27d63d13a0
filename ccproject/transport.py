"""Transport policy for credential-bearing admin endpoints: https, or plain http only on loopback."""

import ipaddress
from collections.abc import Callable
from functools import wraps

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.request import split_domain_port

LOOPBACK_NAMES = {"localhost"}


def _is_loopback_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def is_loopback_request(request: HttpRequest) -> bool:
    """Whether the peer and the host the client asked for are both loopback.

    Both must be: a reverse proxy on the same machine connects from loopback while the
    client it forwards asked for a public name over the network.
    """
    peer = request.META.get("REMOTE_ADDR", "")
    domain, _ = split_domain_port(request.get_host())
    return _is_loopback_host(peer) and _is_loopback_host(domain)


def secure_transport_allowed(request: HttpRequest) -> bool:
    """https (as Django sees it, `SECURE_PROXY_SSL_HEADER` included), loopback, or explicitly allowed."""
    return request.is_secure() or is_loopback_request(request) or bool(getattr(settings, "ADMIN_API_ALLOW_HTTP", False))


def insecure_transport_response() -> JsonResponse:
    """403 in the project's error shape: the credentials were sent in clear; they should be rotated."""
    return JsonResponse(
        {
            "error": "insecure_transport",
            "error_description": (
                "This endpoint takes credentials and needs https; plain http is accepted only on loopback "
                "(set ADMIN_API_ALLOW_HTTP=true to allow it elsewhere)."
            ),
        },
        status=403,
    )


def require_secure_transport(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate a view (or `dispatch`, with `method_decorator`) to refuse plain http outside loopback."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not secure_transport_allowed(request):
            return insecure_transport_response()
        return view(request, *args, **kwargs)

    return wrapped
