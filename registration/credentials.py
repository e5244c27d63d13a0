"""Rotating a registered client's credentials without downtime: secrets and public keys, provider first.

A secret rotates in three steps: `create_client_secret` (a second secret, shown once), callers
switch to it, then `retire_client_secret` (deactivate, then delete the old one). A key likewise:
`add_client_key`, switch, `retire_client_key`. Every change reaches the provider first; the row
then records what the provider now has (a keyless client's key ids, a rotated RFC 7592 token),
so a failure leaves the row describing the provider's state, never one it does not have. Every
change leaves one audit event (`registration.audit`) naming the secret or key by its provider id.
"""

import contextlib
import logging
from dataclasses import dataclass

from django.db import DatabaseError

from .audit import UNATTRIBUTED, Action, Actor, audited, key_named, secret_named
from .exceptions import DatabaseFailure, InvalidState, ProviderError, ProviderNotSupported
from .models import RegisteredClient
from .providers import ClientRef, ProviderKey, ProviderSecret, get_provider
from .public_keys import clean_public_key

logger = logging.getLogger("registration")
Status = RegisteredClient.Status


@dataclass(frozen=True)
class NewSecret:
    """A secret just created: the only place its value is. Never log or store `client_secret`."""

    client: RegisteredClient
    secret: ProviderSecret

    def as_response(self) -> dict:
        return {
            "client_id": self.client.client_id,
            "id": self.secret.id,
            "status": self.secret.status,
            "fingerprint": self.secret.fingerprint,
            "client_secret": self.secret.client_secret,
        }


def _manageable(client: RegisteredClient) -> None:
    if client.status not in (Status.ACTIVE, Status.INACTIVE):
        raise InvalidState(f"Client {client.client_id or client.pk} is {client.status}: its credentials cannot change.")


def _secret_client(client: RegisteredClient) -> None:
    _manageable(client)
    if client.is_keyless:
        raise InvalidState(f"Client {client.client_id} authenticates with private_key_jwt: it has no secret.")


def _record_keys(client: RegisteredClient, keys: list[ProviderKey], credential: dict | None = None) -> None:
    """The row follows the provider: the key ids it now has (and a rotated RFC 7592 credential)."""
    client.key_ids = [key.kid for key in keys]
    fields = ["key_ids", "updated_at"]
    if credential:
        client.set_credential(credential)
        fields.append("provider_credential")
    try:
        client.save(update_fields=fields)
    except DatabaseError as exc:
        logger.error("Client %s: the key ids could not be recorded (%s)", client.client_id, type(exc).__name__)
        raise DatabaseFailure(
            f"The provider changed client {client.client_id}'s keys, but the record could not follow "
            f"({type(exc).__name__}); retry: every key change re-reads the provider's keys."
        ) from exc


# -- secrets -----------------------------------------------------------------------------------


def list_client_secrets(*, client: RegisteredClient) -> list[ProviderSecret]:
    _secret_client(client)
    return get_provider(client.provider).list_secrets(client.ref)


def create_client_secret(*, client: RegisteredClient, actor: Actor = UNATTRIBUTED) -> NewSecret:
    """A second active secret at the provider (at most two at once); its value is in the result only."""
    with audited(Action.SECRET_CREATE, actor=actor, client=client) as audit:
        _secret_client(client)
        try:
            secret = get_provider(client.provider).create_secret(client.ref)
        except ProviderError as exc:
            if exc.maybe_created:
                exc.message += (
                    " A secret may have been created unseen: list the secrets and retire any you did not get."
                )
                exc.args = (exc.message,)
            raise
        audit.credential = secret_named(secret.id)
    logger.info("Created secret %s for client %s", secret.id, client.client_id)
    return NewSecret(client=client, secret=secret)


def set_client_secret_status(
    *, client: RegisteredClient, secret_id: str, active: bool, actor: Actor = UNATTRIBUTED
) -> ProviderSecret:
    action = Action.SECRET_ACTIVATE if active else Action.SECRET_DEACTIVATE
    with audited(action, actor=actor, client=client, credential=secret_named(secret_id)):
        return _set_secret_status(client, secret_id, active=active)


def delete_client_secret(*, client: RegisteredClient, secret_id: str, actor: Actor = UNATTRIBUTED) -> None:
    with audited(Action.SECRET_DELETE, actor=actor, client=client, credential=secret_named(secret_id)):
        _delete_secret(client, secret_id)


def retire_client_secret(*, client: RegisteredClient, secret_id: str, actor: Actor = UNATTRIBUTED) -> None:
    """The last step of a rotation: deactivate the old secret (the provider keeps the last one), then delete it."""
    with audited(Action.SECRET_RETIRE, actor=actor, client=client, credential=secret_named(secret_id)):
        _retire_secret(client, secret_id)


def retire_older_secrets(*, client: RegisteredClient, actor: Actor = UNATTRIBUTED) -> int:
    """Finish a rotation: every secret but the newest is deactivated and deleted; returns how many.

    One audit event names every secret retired (those retired before a failure, when one fails).
    """
    with audited(Action.SECRET_RETIRE_OLDER, actor=actor, client=client) as audit:
        secrets = sorted(list_client_secrets(client=client), key=lambda s: (s.created is not None, s.created))
        retired = []
        for old in secrets[:-1]:
            _retire_secret(client, old.id)
            retired.append(old.id)
            audit.credential = secret_named(*retired)
    return len(retired)


def _set_secret_status(client: RegisteredClient, secret_id: str, *, active: bool) -> ProviderSecret:
    _secret_client(client)
    secret = get_provider(client.provider).set_secret_status(client.ref, secret_id, active=active)
    logger.info("%s secret %s of client %s", "Activated" if active else "Deactivated", secret_id, client.client_id)
    return secret


def _delete_secret(client: RegisteredClient, secret_id: str) -> None:
    _secret_client(client)
    get_provider(client.provider).delete_secret(client.ref, secret_id)
    logger.info("Deleted secret %s of client %s", secret_id, client.client_id)


def _retire_secret(client: RegisteredClient, secret_id: str) -> None:
    _set_secret_status(client, secret_id, active=False)
    _delete_secret(client, secret_id)


# -- keys --------------------------------------------------------------------------------------


def list_client_keys(*, client: RegisteredClient) -> list[ProviderKey]:
    _manageable(client)
    return get_provider(client.provider).list_keys(client.ref)


def add_client_key(*, client: RegisteredClient, jwk, actor: Actor = UNATTRIBUTED) -> ProviderKey:
    """Add the caller's public key at the provider (a private one is refused, never sent), then record its id."""
    with audited(Action.KEY_ADD, actor=actor, client=client) as audit:
        _manageable(client)
        public = clean_public_key(jwk)
        audit.credential = key_named(kid=public["kid"], jwk=public)
        backend = get_provider(client.provider)
        key = backend.add_key(client.ref, public)
        audit.credential = key_named(key.id, kid=key.kid, jwk=public)
        ref = _ref(client, key.credential)
        try:
            _record_keys(client, backend.list_keys(ref), key.credential)
        except DatabaseFailure:
            # As registration does: what the record cannot show must not stay at the provider.
            _remove_unrecorded_key(client, backend, ref, key)
            raise
    logger.info("Added key %s to client %s", key.kid, client.client_id)
    return key


def _remove_unrecorded_key(client: RegisteredClient, backend, ref: ClientRef, key: ProviderKey) -> None:
    try:
        with contextlib.suppress(ProviderNotSupported):
            backend.set_key_status(ref, key.id, active=False)
        backend.delete_key(ref, key.id)
    except ProviderError as exc:
        logger.error(
            "Key %s of client %s is at the provider but not recorded, and removing it failed (%s)",
            key.kid,
            client.client_id,
            exc.message,
        )
        raise DatabaseFailure(
            f"The key {key.kid} was added at the provider but could not be recorded, and removing it failed too: "
            f"retire it with `manage.py client_credentials {client.client_id} keys --retire {key.id}`."
        ) from exc
    logger.error("Key %s of client %s could not be recorded: removed at the provider again", key.kid, client.client_id)


def set_client_key_status(
    *, client: RegisteredClient, key_id: str, active: bool, actor: Actor = UNATTRIBUTED
) -> ProviderKey:
    action = Action.KEY_ACTIVATE if active else Action.KEY_DEACTIVATE
    with audited(action, actor=actor, client=client, credential=key_named(key_id)) as audit:
        _manageable(client)
        backend = get_provider(client.provider)
        key = backend.set_key_status(client.ref, key_id, active=active)
        audit.credential = key_named(key_id, kid=key.kid)
        _record_keys(client, backend.list_keys(client.ref))
    return key


def retire_client_key(*, client: RegisteredClient, key_id: str, actor: Actor = UNATTRIBUTED) -> None:
    """Deactivate (where the provider has inactive keys), then delete a key; the row's key ids follow."""
    with audited(Action.KEY_RETIRE, actor=actor, client=client, credential=key_named(key_id)):
        _manageable(client)
        backend = get_provider(client.provider)
        with contextlib.suppress(ProviderNotSupported):  # RFC 7592: deleting a key is its deactivation
            backend.set_key_status(client.ref, key_id, active=False)
        credential = backend.delete_key(client.ref, key_id)
        _record_keys(client, backend.list_keys(_ref(client, credential)), credential)
    logger.info("Retired key %s of client %s", key_id, client.client_id)


def _ref(client: RegisteredClient, credential: dict | None) -> ClientRef:
    """How to reach the client at the provider, with a just-rotated credential if there is one."""
    if not credential:
        return client.ref
    return ClientRef(client_id=client.client_id or "", reference=client.provider_reference, credential=credential)
