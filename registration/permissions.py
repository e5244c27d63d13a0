"""Who may register and manage clients: staff users (session) or clients holding the scope."""

from api.conf import api_settings
from api.exceptions import InsufficientScope
from api.permissions import TokenHasScope
from api.principal import ValidatedToken


class IsStaffOrTokenHasScope(TokenHasScope):
    """A staff user signed in by session (CSRF enforced by `SessionAuthentication`), or a bearer
    token carrying the view's `required_scopes`.

    Unauthenticated requests get 401 (`WWW-Authenticate: Bearer`); a signed-in non-staff user, or a
    token without the scope, gets 403 `insufficient_scope` naming the scope (RFC 6750 §3.1).
    """

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ValidatedToken):
            return super().has_permission(request, view)
        user = request.user
        if user is None or not getattr(user, "is_authenticated", False):
            return False
        if user.is_active and user.is_staff:
            return True
        raise InsufficientScope(
            "Only staff users, or clients whose access token carries the scope, may do this.",
            realm=api_settings.REALM,
            extra={"scope": " ".join(sorted(self.get_scopes(request, view)))},
        )


def requester(request) -> tuple[object | None, str]:
    """The Django user (or None) and a description of who asks, for the record and idempotency keys."""
    if isinstance(request.auth, ValidatedToken):
        return None, f"client:{request.auth.client_id}"
    user = request.user
    return user, f"user:{user.get_username()}"
