"""The provider interface: create, get, list, deactivate, activate and delete API clients."""

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime

from ..exceptions import ProviderNotSupported

ACTIVE = "ACTIVE"
INACTIVE = "INACTIVE"


@dataclass(frozen=True)
class ClientRef:
    """What the service keeps to find a client at its provider again.

    `reference` is the provider's own id (Okta's app id); `credential` holds what must stay
    secret (RFC 7592's registration access token), decrypted only for the call.
    """

    client_id: str
    reference: str = ""
    credential: dict | None = field(default=None, repr=False)


@dataclass(frozen=True)
class ProviderClient:
    """A client as the provider describes it. `credential`, when set, replaces the stored one."""

    client_id: str
    reference: str
    label: str
    status: str  # ACTIVE or INACTIVE
    scopes: list[str] = field(default_factory=list)
    created: datetime | None = None
    credential: dict | None = field(default=None, repr=False)


@dataclass(frozen=True)
class CreatedClient(ProviderClient):
    """A client just created: the only moment its secret is known. Never log or store `client_secret`."""

    client_secret: str = field(default="", repr=False)


class BaseProvider(ABC):
    """A backend that manages API clients at an identity provider, only over HTTP.

    Configured from `REGISTRATION_PROVIDERS[alias]["OPTIONS"]`. Every method raises a
    `ProviderError` subclass on failure (validation, credentials, rate limit, timeout,
    unavailable, not found, not supported) and never logs a secret or token.
    """

    #: Whether deactivate/activate exist (Okta's lifecycle; RFC 7592 has none).
    supports_lifecycle = True
    #: Whether `list` can enumerate the provider's clients (needed to find drift).
    supports_list = True
    #: Where clients are created (set by each backend), for system checks and messages.
    url: str = ""

    def __init__(self, alias: str, options: dict):
        self.alias = alias
        self.options = options

    @abstractmethod
    def create(self, *, label: str, scopes: list[str]) -> CreatedClient:
        """Create an active client-credentials client; its secret is in the result only."""

    @abstractmethod
    def get(self, ref: ClientRef) -> ProviderClient:
        """The client as the provider has it; `ProviderNotFound` when it is gone."""

    def list(self, *, label_prefix: str | None = None) -> Iterator[ProviderClient]:
        """Every client at the provider (following pagination), optionally by label prefix."""
        raise ProviderNotSupported(f"The {type(self).__name__} backend cannot list clients.")

    def deactivate(self, ref: ClientRef) -> None:
        """Stop the client from getting new tokens; idempotent."""
        raise ProviderNotSupported(f"The {type(self).__name__} backend cannot deactivate clients.")

    def activate(self, ref: ClientRef) -> None:
        """Let a deactivated client get tokens again; idempotent."""
        raise ProviderNotSupported(f"The {type(self).__name__} backend cannot activate clients.")

    @abstractmethod
    def delete(self, ref: ClientRef) -> None:
        """Remove the client at the provider; `ProviderNotFound` when it is already gone."""
