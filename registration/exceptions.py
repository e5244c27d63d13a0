"""Registration's domain errors (no HTTP meaning here; `api_errors` translates them).

Every message is safe to log and to show an operator: none carries a secret or a token.
"""


class RegistrationError(Exception):
    """Base of the registration app's errors."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidRegistration(RegistrationError):
    """The request cannot be registered as asked (bad label, bad scopes)."""


class InvalidState(RegistrationError):
    """The record is in a state that does not allow the operation (e.g. activating a deleted client)."""


class IdempotencyConflict(RegistrationError):
    """An `Idempotency-Key` reused for another request, or used by a request still in flight."""

    def __init__(self, message: str, *, in_flight: bool):
        super().__init__(message)
        self.in_flight = in_flight


class DatabaseFailure(RegistrationError):
    """The record could not be written: before the provider was asked, or after it succeeded (the
    client was then removed there again, or reported for `sync_clients`). Temporary: retry later."""

    #: Seconds a client is told to wait (`Retry-After`): a database restart or failover.
    retry_after = 5


class ProviderError(RegistrationError):
    """The identity provider did not do what was asked; the database was left unchanged.

    `maybe_created` is true when a create may have succeeded unseen (a timeout, an unreadable
    answer): the service then looks for the client and removes it.
    """

    maybe_created = False


class ProviderValidationError(ProviderError):
    """The provider refused the request's content (Okta E0000001, RFC 7591 invalid_client_metadata)."""


class ProviderAuthenticationError(ProviderError):
    """The provider refused this service's own credentials (`TOKEN`, the initial access token)."""


class ProviderNotFound(ProviderError):
    """The provider has no such client."""


class ProviderRateLimited(ProviderError):
    """The provider's rate limit is exhausted for longer than we are willing to wait."""

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after


class ProviderTimeout(ProviderError):
    """The provider did not answer in time; the outcome of a create is unknown."""


class ProviderUnavailable(ProviderError):
    """The provider could not be reached or answered something unusable (5xx, not JSON)."""


class ProviderNotSupported(ProviderError):
    """The backend cannot do this operation (RFC 7592 has no deactivate, activate or list)."""
