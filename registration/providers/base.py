"""The provider interface: create, get, list, deactivate, activate and delete API clients."""

from __future__ import annotations  # the `list` method shadows the builtin in annotations

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


@dataclass(frozen=True)
class ProviderSecret:
    """One of a client's secrets at the provider. `client_secret` only when just created: never log or store it."""

    id: str
    status: str  # ACTIVE or INACTIVE
    fingerprint: str = ""
    created: datetime | None = None
    client_secret: str = field(default="", repr=False)


@dataclass(frozen=True)
class ProviderKey:
    """One of a client's public keys at the provider (`id` is the provider's; `kid` the key's own)."""

    id: str
    kid: str
    status: str  # ACTIVE or INACTIVE
    jwk: dict = field(default_factory=dict)
    # Set when the change rotated what managing the client needs (RFC 7592 §2.2): replaces the stored one.
    credential: dict | None = field(default=None, repr=False)


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
    #: What the backend speaks (`okta`, `dynamic`): the `kind` label of its request metrics.
    kind: str = "other"

    def __init__(self, alias: str, options: dict):
        self.alias = alias
        self.options = options

    @abstractmethod
    def create(self, *, label: str, scopes: list[str], jwks: list[dict] | None = None) -> CreatedClient:
        """Create an active client-credentials client; its secret is in the result only.

        With `jwks` (public keys) the client authenticates with `private_key_jwt` and has no secret.
        """

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

    # --- credentials: secrets and keys rotate without downtime (two at once, then retire the old) ---

    def _unsupported(self, what: str):
        return ProviderNotSupported(f"The {type(self).__name__} backend cannot {what}.")

    def list_secrets(self, ref: ClientRef) -> list[ProviderSecret]:
        """The client's secrets (values never shown again after creation)."""
        raise self._unsupported("list client secrets")

    def create_secret(self, ref: ClientRef) -> ProviderSecret:
        """A new active secret beside the current one; its value is in the result only."""
        raise self._unsupported("create a second client secret")

    def set_secret_status(self, ref: ClientRef, secret_id: str, *, active: bool) -> ProviderSecret:
        """Activate or deactivate a secret; the provider keeps the last active one."""
        raise self._unsupported("activate or deactivate client secrets")

    def delete_secret(self, ref: ClientRef, secret_id: str) -> None:
        """Delete an inactive secret."""
        raise self._unsupported("delete client secrets")

    def list_keys(self, ref: ClientRef) -> list[ProviderKey]:
        """The client's public keys."""
        raise self._unsupported("list client keys")

    def add_key(self, ref: ClientRef, jwk: dict) -> ProviderKey:
        """Add an active public key."""
        raise self._unsupported("add client keys")

    def set_key_status(self, ref: ClientRef, key_id: str, *, active: bool) -> ProviderKey:
        """Activate or deactivate a key; the provider keeps a keyless client's last active one."""
        raise self._unsupported("activate or deactivate client keys")

    def delete_key(self, ref: ClientRef, key_id: str) -> dict | None:
        """Delete an inactive key; returns a rotated credential when the provider rotated it (else `None`)."""
        raise self._unsupported("delete client keys")
