"""The OAuth endpoints' response rules: no caching, `{"error", "error_description"}` everywhere, a 401 challenge."""

import json

from django.http import Http404, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt

from ccproject.http import error_response, no_store
from ccproject.not_found import not_found_response

# RFC 6749 §5.2 and RFC 7009 §2.2.1 error codes, described when oauthlib leaves the description empty.
DESCRIPTIONS = {
    "invalid_request": "The request is missing a parameter, repeats one, or is otherwise malformed.",
    "invalid_client": "Client authentication failed: unknown client, wrong secret, or an inactive client.",
    "invalid_grant": "The grant is invalid, expired, revoked, or was issued to another client.",
    "unauthorized_client": "This client may not use this grant type; it may use client_credentials only.",
    "unsupported_grant_type": "The grant type is not supported: this server supports client_credentials only.",
    "invalid_scope": "The requested scope is invalid, unknown, or not allowed for this client.",
    "unsupported_token_type": "This server can revoke and introspect access tokens only.",
    "server_error": "The server could not complete the request.",
    "temporarily_unavailable": "The server is temporarily unavailable; retry later.",
}


def finalize(response: HttpResponse, realm: str) -> HttpResponse:
    """Apply the rules to an oauthlib response; returns the same or a rebuilt response."""
    if response.status_code >= 400 and response.content:
        try:
            body = json.loads(response.content)
        except ValueError:
            body = None
        if isinstance(body, dict) and "error" in body and not body.get("error_description"):
            body["error_description"] = DESCRIPTIONS.get(body["error"], "The request failed.")
            rebuilt = JsonResponse(body, status=response.status_code)
            for name in ("WWW-Authenticate",):
                if name in response:
                    rebuilt[name] = response[name]
            response = rebuilt
    if response.status_code == 401:
        # RFC 6749 §5.2: client authentication failed; the challenge names the scheme a client
        # can use (oauthlib's `Bearer` challenge belongs to resource servers, not here).
        response["WWW-Authenticate"] = f'Basic realm="{realm}"'
    # RFC 6749 §5.1, RFC 7662 §2.2, RFC 7009: no cache may keep tokens or their state.
    return no_store(response)


@method_decorator(csrf_exempt, name="dispatch")  # Header- or body-authenticated endpoints: no cookies, no CSRF.
class JsonErrorsMixin:
    """A 404 (an unknown authorization server id, client, ...) and a 405 in the `{"error", "error_description"}` shape.

    Django's own would be an HTML page; a client of this server reads JSON on every path.
    """

    def dispatch(self, request, *args, **kwargs) -> HttpResponse:
        try:
            return super().dispatch(request, *args, **kwargs)
        except Http404 as exc:
            return not_found_response(str(exc) or "Not found.")

    def http_method_not_allowed(self, request, *args, **kwargs) -> HttpResponse:
        allowed = [method.upper() for method in self.http_method_names if hasattr(self, method)]
        response = no_store(
            error_response(
                "method_not_allowed", f"{request.method} is not allowed here; use {', '.join(allowed)}.", 405
            )
        )
        response["Allow"] = ", ".join(allowed)
        return response
