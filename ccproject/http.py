"""Response conventions every app shares: the `{"error", "error_description"}` body and no-store caching."""

from django.http import HttpResponse, JsonResponse


def error_response(error: str, description: str, status: int = 400, challenge: str | None = None) -> JsonResponse:
    """An RFC 6749 §5.2-shaped error; `challenge` becomes the `WWW-Authenticate` header when given."""
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    if challenge:
        response["WWW-Authenticate"] = challenge
    return response


def no_store(response: HttpResponse) -> HttpResponse:
    """Forbid every cache to keep `response` (RFC 9111 §5.2.2.5; RFC 6749 §5.1 adds `Pragma` for HTTP/1.0)."""
    response["Cache-Control"] = "no-store"
    response["Pragma"] = "no-cache"
    return response
