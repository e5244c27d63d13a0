"""Response headers Django's SecurityMiddleware does not set: a Content-Security-Policy."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

# JSON and the like are never rendered: forbid everything. HTML (the admin, DRF's browsable
# API) keeps its own scripts and styles but may not be framed, post elsewhere or load plugins.
DEFAULT_CONTENT_SECURITY_POLICY = {
    "html": "frame-ancestors 'none'; form-action 'self'; object-src 'none'; base-uri 'none'",
    "other": "default-src 'none'; frame-ancestors 'none'; sandbox",
}


class SecurityHeadersMiddleware:
    """Add `Content-Security-Policy` (W3C CSP Level 3) to responses that carry none.

    The policy comes from `settings.CONTENT_SECURITY_POLICY` (`{"html": ..., "other": ...}`),
    read per response so `override_settings` applies; an empty value sends no header.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            policy = self.policy_for(response)
            if policy:
                response["Content-Security-Policy"] = policy
        return response

    def policy_for(self, response: HttpResponse) -> str:
        policies = {**DEFAULT_CONTENT_SECURITY_POLICY, **getattr(settings, "CONTENT_SECURITY_POLICY", {})}
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        return policies["html"] if content_type == "text/html" else policies["other"]
