"""Scope-based permissions for views protected by bearer tokens."""

from django.core.exceptions import ImproperlyConfigured
from rest_framework.permissions import BasePermission

from .conf import api_settings
from .exceptions import InsufficientScope


class TokenHasScope(BasePermission):
    """Requires every scope in the view's `required_scopes` (RFC 6750 §3.1 `insufficient_scope`).

    Unauthenticated requests are left to `IsAuthenticated` (401); an authenticated token
    that lacks a scope gets 403 with the scopes it needs in the challenge.
    """

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if token is None or not hasattr(token, "scopes"):
            return False
        required = set(self.get_scopes(request, view))
        if required <= token.scopes:
            return True
        raise InsufficientScope(
            "The access token lacks a scope this request needs.",
            realm=api_settings.REALM,
            extra={"scope": " ".join(sorted(required))},
        )

    def get_scopes(self, request, view) -> list[str]:
        try:
            return list(view.get_required_scopes() if hasattr(view, "get_required_scopes") else view.required_scopes)
        except AttributeError as exc:
            raise ImproperlyConfigured("TokenHasScope requires the view to define required_scopes.") from exc
