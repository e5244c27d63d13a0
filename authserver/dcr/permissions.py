"""Who may register: the holder of an initial access token (RFC 7591 §3), never the anonymous public."""

from django.http import JsonResponse

from ccproject.http import error_response

from ..models import AdminApiToken
from ..transport import transport_is_acceptable

MAX_TOKEN_LENGTH = 512


def initial_access_denial(request) -> JsonResponse | None:
    """The error response for a registration request without a valid initial access token, else `None`.

    The initial access token is an admin API token (`TOKEN`), sent as `Authorization: Bearer
    <token>` (RFC 7591 §3) or, as Okta's registration API takes it, `Authorization: SSWS <token>`.
    """
    if not transport_is_acceptable(request):
        return error_response("invalid_request", "HTTPS is required: credentials must not cross a network in clear.")
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    token = token.strip()
    if scheme.lower() not in ("bearer", "ssws") or not token:
        # RFC 6750 §3.1: no credentials at all, so a challenge without an error code.
        return error_response(
            "invalid_token",
            "Registration needs an initial access token: send 'Authorization: Bearer <admin API token>'.",
            status=401,
            challenge='Bearer realm="registration"',
        )
    if len(token) > MAX_TOKEN_LENGTH or AdminApiToken.objects.get_by_token(token) is None:
        return error_response(
            "invalid_token",
            "The initial access token is invalid.",
            status=401,
            challenge='Bearer realm="registration", error="invalid_token"',
        )
    return None


class InitialAccessTokenPermission:
    """django-oauth-toolkit's `DCR_REGISTRATION_PERMISSION_CLASSES` hook: a valid initial access token."""

    def has_permission(self, request) -> bool:
        return initial_access_denial(request) is None
