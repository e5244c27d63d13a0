"""Who may register and manage clients: staff users (session) or clients holding the scope, not withdrawn."""

from django.db import DatabaseError

from api.conf import api_settings
from api.exceptions import InsufficientScope, InvalidToken
from api.permissions import TokenHasScope
from api.principal import ValidatedToken

from .api_errors import to_api_exception
from .exceptions import DatabaseFailure
from .models import RegisteredClient


def is_withdrawn(client_id: str) -> bool:
    """Whether this service's records hold `client_id` as anything but active (deactivated, deleted, failed).

    A client the records do not hold (made at the provider by other means) is judged by its token
    alone. Raises `DatabaseFailure` (503) when the records cannot be read: fail closed.
    """
    try:
        records = RegisteredClient.objects.filter(client_id=client_id)
        return records.exclude(status=RegisteredClient.Status.ACTIVE).exists()
    except DatabaseError as exc:
        raise DatabaseFailure(
            f"The client's record could not be read ({type(exc).__name__}); "
            "nothing was created or changed. Retry later."
        ) from exc


class IsStaffOrTokenHasScope(TokenHasScope):
    """A staff user signed in by session (CSRF enforced by `SessionAuthentication`), or a bearer
    token carrying the view's `required_scopes`.

    Unauthenticated requests get 401 (`WWW-Authenticate: Bearer`); a signed-in non-staff user, or a
    token without the scope, gets 403 `insufficient_scope` naming the scope (RFC 6750 §3.1).

    A self-contained token outlives the deactivation of its client at the provider (until its
    `exp`); managing clients with it must not. The records of this service hold every client it
    registered and follow every deactivation it makes (and `sync_clients` makes them follow the
    provider), so a token whose client they hold as withdrawn gets 401 `invalid_token` (RFC 6750
    §3.1: revoked), at the cost of one indexed query per bearer call.
    """

    def has_permission(self, request, view) -> bool:
        if isinstance(request.auth, ValidatedToken):
            try:
                withdrawn = is_withdrawn(request.auth.client_id)
            except DatabaseFailure as exc:
                raise to_api_exception(exc) from exc
            if withdrawn:
                raise InvalidToken(
                    "The client this access token was issued to is deactivated or deleted.", realm=api_settings.REALM
                )
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
    """The Django user (or None) and a description of who asks, for the record and idempotency keys.

    `request` is DRF's (a bearer token's client, or the session's user) or Django's (the admin's user).
    """
    if isinstance(getattr(request, "auth", None), ValidatedToken):
        return None, f"client:{request.auth.client_id}"
    user = request.user
    return user, f"user:{user.get_username()}"
