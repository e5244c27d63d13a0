"""`OAuthClientCredentialsAuthentication`: DRF authentication by a locally validated bearer JWT."""

import re

from rest_framework.authentication import BaseAuthentication

from .conf import api_settings
from .exceptions import (
    InvalidRequest,
    InvalidToken,
    KeysUnavailable,
    MalformedRequest,
    ServiceUnavailable,
    TokenError,
)
from .principal import ClientPrincipal
from .validation import validate_token

# RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


class OAuthClientCredentialsAuthentication(BaseAuthentication):
    """Authenticate a request by an `Authorization: Bearer <jwt>` access token.

    Returns `(ClientPrincipal, ValidatedToken)` for a valid token and `None` when the
    request carries no bearer credentials (so the view answers 401 with a bare challenge).
    Raises `InvalidRequest` (400) for a malformed header, `InvalidToken` (401) for a token
    that fails validation, and `ServiceUnavailable` (503) when no key can be had.
    """

    keyword = "Bearer"

    @property
    def www_authenticate_realm(self) -> str:
        return api_settings.REALM

    def authenticate(self, request):
        token = self.get_token(request)
        if token is None:
            return None
        try:
            validated = validate_token(token)
        except KeysUnavailable as exc:
            raise ServiceUnavailable(exc.description, retry_after=exc.retry_after) from exc
        except TokenError as exc:
            raise InvalidToken(exc.description, realm=self.www_authenticate_realm) from exc
        principal = ClientPrincipal(client_id=validated.client_id, scopes=validated.scopes, issuer=validated.issuer)
        return principal, validated

    def get_token(self, request) -> str | None:
        """The token of the `Authorization` header, `None` without bearer credentials."""
        header = request.META.get("HTTP_AUTHORIZATION", "")
        scheme, _, credentials = header.partition(" ")
        if scheme.lower() != self.keyword.lower():
            return None
        try:
            return self.parse_credentials(credentials)
        except MalformedRequest as exc:
            raise InvalidRequest(exc.description, realm=self.www_authenticate_realm) from exc
        except TokenError as exc:
            raise InvalidToken(exc.description, realm=self.www_authenticate_realm) from exc

    def parse_credentials(self, credentials: str) -> str:
        """Exactly one b64token (RFC 6750 §2.1) within the size cap."""
        credentials = credentials.strip(" ")
        if not credentials:
            raise MalformedRequest("The Authorization header has no token after 'Bearer'.")
        if len(credentials) > api_settings.MAX_TOKEN_BYTES:
            raise TokenError("The access token is too large.")
        if not B64TOKEN.fullmatch(credentials):
            raise MalformedRequest("The Authorization header must be 'Bearer' followed by exactly one token.")
        return credentials

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="{self.www_authenticate_realm}"'
