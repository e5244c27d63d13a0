"""Registration errors in HTTP form: status, a snake_case `error` and the message as description."""

from rest_framework import status
from rest_framework.exceptions import APIException

from .crypto import DecryptionError
from .exceptions import (
    DatabaseFailure,
    IdempotencyConflict,
    InvalidRegistration,
    InvalidState,
    ProviderAuthenticationError,
    ProviderNotFound,
    ProviderNotSupported,
    ProviderRateLimited,
    ProviderTimeout,
    ProviderUnavailable,
    ProviderValidationError,
    RegistrationError,
)

# Most specific first: (domain error, HTTP status, error code).
MAPPING: list[tuple[type[RegistrationError], int, str]] = [
    (InvalidRegistration, status.HTTP_400_BAD_REQUEST, "invalid_request"),
    (InvalidState, status.HTTP_409_CONFLICT, "invalid_state"),
    # RFC 9110 §15.6.4: a temporary overload or outage, with Retry-After.
    (DatabaseFailure, status.HTTP_503_SERVICE_UNAVAILABLE, "temporarily_unavailable"),
    (DecryptionError, status.HTTP_500_INTERNAL_SERVER_ERROR, "server_error"),
    # RFC 7591 §3.2.2's code for metadata the server refuses.
    (ProviderValidationError, status.HTTP_400_BAD_REQUEST, "invalid_client_metadata"),
    # Our own credentials at the provider are wrong: the gateway's fault, not the caller's.
    (ProviderAuthenticationError, status.HTTP_502_BAD_GATEWAY, "provider_credentials_rejected"),
    (ProviderRateLimited, status.HTTP_503_SERVICE_UNAVAILABLE, "temporarily_unavailable"),
    (ProviderTimeout, status.HTTP_504_GATEWAY_TIMEOUT, "provider_timeout"),
    (ProviderNotFound, status.HTTP_404_NOT_FOUND, "not_found_at_provider"),
    (ProviderNotSupported, status.HTTP_400_BAD_REQUEST, "unsupported_operation"),
    (ProviderUnavailable, status.HTTP_502_BAD_GATEWAY, "provider_error"),
]


class RegistrationAPIError(APIException):
    """A domain error with its status and code; `wait` becomes `Retry-After` in DRF's handler."""

    def __init__(self, description: str, *, status_code: int, code: str, wait: int | None = None):
        super().__init__(detail=description, code=code)
        self.status_code = status_code
        self.wait = wait


def to_api_exception(exc: RegistrationError) -> APIException:
    if isinstance(exc, IdempotencyConflict):
        # draft-ietf-httpapi-idempotency-key-header §2.7: 409 while in flight, 422 for another payload.
        if exc.in_flight:
            return RegistrationAPIError(exc.message, status_code=409, code="idempotency_key_in_use")
        return RegistrationAPIError(exc.message, status_code=422, code="idempotency_key_reused")
    for error_class, status_code, code in MAPPING:
        if isinstance(exc, error_class):
            wait = exc.retry_after if isinstance(exc, ProviderRateLimited | DatabaseFailure) else None
            return RegistrationAPIError(exc.message, status_code=status_code, code=code, wait=wait)
    return RegistrationAPIError(exc.message, status_code=500, code="server_error")
