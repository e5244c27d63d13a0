"""`OAuthClientCredentialsAuthentication`: DRF authentication by a locally validated bearer JWT (RFC 6750)."""

import re
import time

from rest_framework.authentication import BaseAuthentication

from .conf import api_settings
from .exceptions import (
    InvalidRequest,
    InvalidToken,
    KeysUnavailable,
    MalformedRequest,
    ServiceUnavailable,
    TokenError,
    render_challenge,
)
from .permissions import view_scopes
from .principal import ValidatedToken
from .validation import validate_token

# RFC 6750 §2.1: credentials = "Bearer" 1*SP b64token
B64TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")
BEARER_SCHEME = re.compile(r"(?:^|,)\s*bearer(?:\s|$)", re.IGNORECASE)
# RFC 6750 §2.2 and §2.3: the other two ways to send a token, which this API refuses.
TOKEN_PARAMETER = "access_token"
FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"


class OAuthClientCredentialsAuthentication(BaseAuthentication):
    """Authenticate a request by an `Authorization: Bearer <jwt>` access token.

    Returns `(ClientPrincipal, ValidatedToken)` for a valid token and `None` when the
    request carries no bearer credentials (so the view answers 401 with a bare challenge).
    Raises `InvalidRequest` (400) for a malformed header or a token sent another way,
    `InvalidToken` (401) for a token that fails validation, and `ServiceUnavailable` (503)
    when no key can be had. Hooks: `keyword`, `timer`, `validate` and `get_token`.
    """

    keyword = "Bearer"
    timer = staticmethod(time.time)
    validate = staticmethod(validate_token)

    @property
    def www_authenticate_realm(self) -> str:
        return api_settings.REALM

    def authenticate(self, request):
        token = self.get_token(request)
        if token is None:
            return None
        try:
            validated: ValidatedToken = self.validate(token, now=self.timer())
        except KeysUnavailable as exc:
            raise ServiceUnavailable(exc.description, retry_after=exc.retry_after) from exc
        except TokenError as exc:
            raise InvalidToken(exc.description, realm=self.www_authenticate_realm) from exc
        return validated.principal, validated

    def get_token(self, request) -> str | None:
        """The token of the `Authorization` header; `None` without bearer credentials.

        RFC 6750 §2: a client must use one method only. A token in the URI query or a form
        body is refused with `invalid_request` (URIs end up in logs, RFC 6750 §5.3), whether
        or not the header carries one too.
        """
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if self.has_other_token(request):
            raise InvalidRequest(
                "Send the access token only in the Authorization header, not in the URL or the body.",
                realm=self.www_authenticate_realm,
            )
        # The common case, "Bearer <b64token>", answered as `read_authorization` would answer it
        # (a b64token holds no comma and no space), with fewer steps; anything else goes there.
        prefix = self.keyword + " "
        if header.startswith(prefix):
            credentials = header[len(prefix) :]
            if len(credentials) <= api_settings.MAX_TOKEN_BYTES and B64TOKEN.fullmatch(credentials):
                return credentials
        return self.read_authorization(header)

    def read_authorization(self, header: str) -> str | None:
        """The token of an `Authorization` header value, every case of RFC 6750 §2.1 considered."""
        # A b64token holds no comma, but servers join a repeated header with one (RFC 9110 §5.3).
        if "," in header and BEARER_SCHEME.search(header):
            raise InvalidRequest(
                "The Authorization header was sent more than once, or holds more than one token.",
                realm=self.www_authenticate_realm,
            )
        scheme, _, credentials = header.partition(" ")
        if scheme[: len(self.keyword) + 1].rstrip().lower() == self.keyword.lower() != scheme.lower():
            # "Bearer\t<token>": RFC 6750 §2.1 separates scheme and token by spaces only.
            raise InvalidRequest(
                "The Authorization header must be 'Bearer', one space, then the token.",
                realm=self.www_authenticate_realm,
            )
        if scheme.lower() != self.keyword.lower():
            return None
        try:
            return self.parse_credentials(credentials)
        except MalformedRequest as exc:
            raise InvalidRequest(exc.description, realm=self.www_authenticate_realm) from exc
        except TokenError as exc:
            raise InvalidToken(exc.description, realm=self.www_authenticate_realm) from exc

    def has_other_token(self, request) -> bool:
        """An `access_token` in the query (RFC 6750 §2.3) or a form-encoded body (§2.2)."""
        django_request = getattr(request, "_request", request)
        # An empty query string holds no parameter: skip building the `QueryDict` (every call).
        if django_request.META.get("QUERY_STRING") and TOKEN_PARAMETER in django_request.GET:
            return True
        content_type = django_request.META.get("CONTENT_TYPE", "")
        if not content_type:
            return False
        content_type = content_type.split(";")[0].strip().lower()
        return content_type == FORM_MEDIA_TYPE and TOKEN_PARAMETER in django_request.POST

    def parse_credentials(self, credentials: str) -> str:
        """Exactly one b64token (RFC 6750 §2.1) within the size cap."""
        credentials = credentials.lstrip(" ")
        if not credentials.strip(" "):
            raise MalformedRequest("The Authorization header has no token after 'Bearer'.")
        credentials = credentials.rstrip(" ")
        if len(credentials) > api_settings.MAX_TOKEN_BYTES:
            raise TokenError("The access token is too large.")
        if not B64TOKEN.fullmatch(credentials):
            raise MalformedRequest("The Authorization header must be 'Bearer' followed by exactly one token.")
        return credentials

    def authenticate_header(self, request) -> str:
        """The 401 challenge: the realm, the `scope` the view needs (RFC 6750 §3) and `resource_metadata`."""
        return render_challenge(self.keyword, {"realm": self.www_authenticate_realm, **challenge_scope(request)})


def challenge_scope(request) -> dict[str, str]:
    """`{"scope": ...}` naming what the request's view requires, or `{}` when it names nothing."""
    view = (getattr(request, "parser_context", None) or {}).get("view")
    scopes = view_scopes(request, view)
    return {"scope": " ".join(sorted(scopes))} if scopes else {}
