"""Errors of the resource server and their RFC 6750 §3 HTTP form."""

from rest_framework import exceptions, status

from ccproject.errors import ClientFacingError

from .conf import api_settings
from .resource import challenge_params

# RFC 9449 §7.1: the scheme of DPoP-bound tokens, whose every challenge names the proof algorithms.
DPOP_SCHEME = "DPoP"


class TokenError(ClientFacingError):
    """A token that cannot be accepted (RFC 6750 §3.1 `invalid_token`)."""

    error = "invalid_token"


class MalformedRequest(TokenError):
    """The request carries credentials in a way RFC 6750 §2 does not allow."""

    error = "invalid_request"


class KeysUnavailable(ClientFacingError):
    """No usable key to check a token with: the issuer is unreachable or misbehaving; the token is not at fault."""

    error = "temporarily_unavailable"

    def __init__(self, description: str, retry_after: int = 30):
        super().__init__(description)
        self.retry_after = retry_after


def render_challenge(scheme: str, params: dict) -> str:
    """A `WWW-Authenticate` challenge (RFC 9110 §11.6.1) with the auth-params every one of ours carries.

    `params` come first in their order, then, unless given: `algs` on a DPoP challenge, bare or
    telling an error (RFC 9449 §7.1), and `resource_metadata` (RFC 9728 §5.1).
    """
    carried = challenge_params()
    if scheme.lower() == DPOP_SCHEME.lower():
        carried = {"algs": " ".join(api_settings.DPOP_ALGORITHMS), **carried}
    params = {**params, **{k: v for k, v in carried.items() if k not in params}}
    return f"{scheme} " + ", ".join(f'{k}="{_quote(v)}"' for k, v in params.items())


class BearerError(exceptions.APIException):
    """An RFC 6750 error: the status, the JSON body and the `WWW-Authenticate` challenge agree.

    `challenge` holds the auth-params; the header is rendered when the response is built, so the
    exception handler can still add to them (a 401's `scope`). The error is told under `scheme`
    (`Bearer`, or `DPoP` for RFC 9449 §7.1); `others` are the bare challenges of the other schemes
    the view accepts, sent in the same header. `headers` are added to the response (`DPoP-Nonce`).
    """

    error_code = "invalid_token"
    scheme = "Bearer"

    def __init__(
        self,
        description: str,
        *,
        realm: str = "api",
        extra: dict | None = None,
        scheme: str = "Bearer",
        others: tuple[str, ...] = (),
        headers: dict[str, str] | None = None,
    ):
        super().__init__(detail=description, code=self.error_code)
        self.challenge = {"realm": realm, "error": self.error_code, "error_description": description, **(extra or {})}
        self.scheme = scheme
        self.others = others
        self.headers = headers or {}

    @property
    def auth_header(self) -> str:
        return ", ".join((render_challenge(self.scheme, self.challenge), *self.others))


class InvalidToken(BearerError):
    status_code = status.HTTP_401_UNAUTHORIZED
    error_code = "invalid_token"


class InvalidRequest(BearerError):
    status_code = status.HTTP_400_BAD_REQUEST
    error_code = "invalid_request"


class InsufficientScope(BearerError, exceptions.PermissionDenied):
    """403 naming the scopes the request needs, in the challenge's `scope` and in the body's (RFC 6750 §3.1)."""

    status_code = status.HTTP_403_FORBIDDEN
    error_code = "insufficient_scope"

    def __init__(self, description: str, *, extra: dict | None = None, **kwargs):
        super().__init__(description, extra=extra, **kwargs)
        self.scope = (extra or {}).get("scope")


class InvalidDPoPProof(BearerError):
    """RFC 9449 §7.1: the `DPoP` header is missing, malformed, replayed or does not fit the request."""

    status_code = status.HTTP_401_UNAUTHORIZED
    error_code = "invalid_dpop_proof"


class UseDPoPNonce(BearerError):
    """RFC 9449 §9: the proof must carry the nonce sent in the `DPoP-Nonce` header."""

    status_code = status.HTTP_401_UNAUTHORIZED
    error_code = "use_dpop_nonce"


class ServiceUnavailable(exceptions.APIException):
    """503 with `Retry-After`: the client's token is not at fault, so never a 401."""

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_code = "temporarily_unavailable"

    def __init__(self, description: str, retry_after: int):
        super().__init__(detail=description, code=self.default_code)
        self.wait = retry_after


def _quote(value: str) -> str:
    """RFC 7230 quoted-string: escape backslashes and quotes, drop control characters."""
    value = "".join(ch for ch in str(value) if ch.isprintable())
    return value.replace("\\", "\\\\").replace('"', '\\"')


class RequestTooLarge(exceptions.APIException):
    """A body over `DATA_UPLOAD_MAX_MEMORY_SIZE` (Django refuses to read it; RFC 9110 §15.5.14)."""

    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"
