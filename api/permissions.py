"""Scope-based permissions for views protected by bearer tokens (RFC 6750 §3.1 `insufficient_scope`)."""

from django.core.exceptions import ImproperlyConfigured
from rest_framework.permissions import BasePermission

from .conf import api_settings
from .exceptions import DPOP_SCHEME, InsufficientScope
from .principal import ValidatedToken

# Scope lists already checked and frozen (`TokenHasScope._checked`), bounded against views
# whose `get_required_scopes()` varies without limit.
_CHECKED_SCOPES: dict[tuple, frozenset[str]] = {}
_MAX_CHECKED = 1024


class TokenHasScope(BasePermission):
    """Requires every scope the view names for the request's method.

    The view names them with `required_scopes` (a list), `get_required_scopes()`, or
    `required_scopes_by_method` (`{"GET": [...], "POST": [...]}`; HEAD falls back to GET, and a
    method it does not list falls back to `required_scopes`). Unauthenticated requests are
    left to `IsAuthenticated` (401); an authenticated token that lacks a scope gets 403 with
    the scopes it needs in the challenge. A view that names no scopes is a configuration
    error (`ImproperlyConfigured`), never an open door.
    """

    message = "The access token lacks a scope this request needs."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ValidatedToken):
            return False
        required = self.get_scopes(request, view)
        if self.satisfied(required, token.scopes):
            return True
        needed = " ".join(sorted(required))
        # RFC 9449 §7.1: a DPoP-bound token came through the DPoP scheme, and is told under it.
        raise InsufficientScope(
            f"{self.message.rstrip('.')}: {self.describe(needed)}.",
            realm=api_settings.REALM,
            extra={"scope": needed},
            scheme="Bearer" if token.jkt is None else DPOP_SCHEME,
        )

    def satisfied(self, required: frozenset[str], granted: frozenset[str]) -> bool:
        """All of them."""
        return required <= granted

    def describe(self, needed: str) -> str:
        """The scopes a refused request needs, in words for the error description."""
        return needed

    def get_scopes(self, request, view) -> frozenset[str]:
        by_method = getattr(view, "required_scopes_by_method", None)
        if by_method is not None:
            method = request.method.upper()
            scopes = by_method.get(method, by_method.get("GET") if method == "HEAD" else None)
            if scopes is not None:
                return self._checked(scopes, view)
        if hasattr(view, "get_required_scopes"):
            return self._checked(view.get_required_scopes(), view)
        if hasattr(view, "required_scopes"):
            return self._checked(view.required_scopes, view)
        raise ImproperlyConfigured(
            f"{type(self).__name__} requires {type(view).__name__} to define required_scopes "
            f"(or required_scopes_by_method for {request.method})."
        )

    def _checked(self, scopes, view) -> frozenset[str]:
        if isinstance(scopes, str):
            raise ImproperlyConfigured(f"{type(view).__name__} must name its scopes as a non-empty list of strings.")
        # A view names the same few lists on every request: check and freeze each once per process.
        key = tuple(scopes)
        checked = _CHECKED_SCOPES.get(key)
        if checked is None:
            if not key or not all(isinstance(scope, str) and scope for scope in key):
                raise ImproperlyConfigured(
                    f"{type(view).__name__} must name its scopes as a non-empty list of strings."
                )
            checked = (
                _CHECKED_SCOPES.setdefault(key, frozenset(key))
                if len(_CHECKED_SCOPES) < _MAX_CHECKED
                else frozenset(key)
            )
        return checked


class TokenHasAnyScope(TokenHasScope):
    """Like `TokenHasScope`, but one of the named scopes is enough."""

    def satisfied(self, required: frozenset[str], granted: frozenset[str]) -> bool:
        return not required.isdisjoint(granted)

    def describe(self, needed: str) -> str:
        return f"one of {needed}"


def view_scopes(request, view) -> frozenset[str]:
    """The scopes `view`'s permissions require for `request`'s method; empty when none names any.

    For a challenge that comes before the permissions run (a 401): it names the `scope` a token
    needs (RFC 6750 §3), so a client asks for that and not for every scope the API knows.
    """
    scopes: set[str] = set()
    if view is None:
        return frozenset()
    for permission in view.get_permissions():
        get_scopes = getattr(permission, "get_scopes", None)
        if get_scopes is None:
            continue
        try:
            scopes |= get_scopes(request, view)
        except ImproperlyConfigured:
            continue  # Answered as the 500 it is once the permission runs; the challenge names nothing.
    return frozenset(scopes)
