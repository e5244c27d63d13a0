"""`Authorization: SSWS <token>`: Okta's API-token scheme, checked against the stored digests."""

from ..models import AdminApiToken
from ..transport import transport_is_acceptable
from .errors import AccessDenied, InvalidApiToken

# Longer values are not tokens this server issued; refuse them before hashing.
MAX_TOKEN_LENGTH = 512


def authenticate_admin(request) -> AdminApiToken:
    """The active admin token the request presents; raises `InvalidApiToken` (401) or `AccessDenied` (403)."""
    if not transport_is_acceptable(request):
        raise AccessDenied("HTTPS is required: the API token must not cross a network in clear text.")
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "ssws" or not token or len(token) > MAX_TOKEN_LENGTH:
        raise InvalidApiToken()
    record = AdminApiToken.objects.get_by_token(token)
    if record is None:
        raise InvalidApiToken()
    return record
