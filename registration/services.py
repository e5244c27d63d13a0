"""Registration services: keep the database and the provider consistent (HackSoft-style, keyword-only).

`register_client` writes a `pending` row, asks the provider, then makes the row `active`. A provider
fault leaves a `failed` row and no client, a request the provider refuses as invalid leaves no row;
a database failure after the provider succeeded removes the client at the provider again.
Lifecycle changes reach the provider first; the row follows only when the provider succeeded.
Every call of a service here leaves one audit event (`registration.audit`), whatever its outcome.
"""

import hashlib
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.cache import caches
from django.db import DatabaseError, IntegrityError, transaction

from ccproject.scopes import ScopeError, clean_scopes
from ccproject.text import label_problem

from .audit import UNATTRIBUTED, Action, Actor, Audit, audited, key_named
from .conf import registration_settings, token_url
from .crypto import DecryptionError, decrypt_json, encrypt_json
from .exceptions import (
    DatabaseFailure,
    IdempotencyConflict,
    InvalidRegistration,
    InvalidState,
    ProviderError,
    ProviderNotFound,
    ProviderValidationError,
)
from .models import RegisteredClient
from .providers import ClientRef, CreatedClient, get_provider
from .public_keys import clean_public_keys
from .reconcile import remove_unseen

logger = logging.getLogger("registration")
Status = RegisteredClient.Status


@dataclass(frozen=True)
class Registration:
    """The outcome of a registration: the only place the client secret ever is."""

    client: RegisteredClient
    client_secret: str
    token_url: str
    replayed: bool = False

    def as_response(self) -> dict:
        response = {
            "client_id": self.client.client_id,
            "client_secret": self.client_secret,
            "label": self.client.label,
            "scopes": list(self.client.scopes),
            "request_token_url": self.token_url,
        }
        if self.client.is_keyless:
            # No secret exists: the client signs assertions with the private key it kept (RFC 7523).
            del response["client_secret"]
            response.update(token_endpoint_auth_method=self.client.auth_method, key_ids=list(self.client.key_ids))
        return response


def clean_label(label: str) -> str:
    label = (label or "").strip()
    if not label:
        raise InvalidRegistration("label: a client needs a label.")
    if len(label) > registration_settings.MAX_LABEL_LENGTH:
        raise InvalidRegistration(f"label: at most {registration_settings.MAX_LABEL_LENGTH} characters.")
    if problem := label_problem(label):
        raise InvalidRegistration(f"label: {problem}")
    return label


def registrable_scopes(scopes: Sequence[str]) -> list[str]:
    """Scopes by the project's rule (`ccproject.scopes`), at most `MAX_SCOPES`; raises `InvalidRegistration`."""
    try:
        return clean_scopes(scopes, max_count=registration_settings.MAX_SCOPES)
    except ScopeError as exc:
        raise InvalidRegistration(str(exc)) from exc


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def _replay_cache_key(key_hash: str) -> str:
    return f"registration:idempotency:{key_hash}"


def register_client(
    *,
    label: str,
    scopes: Sequence[str],
    created_by=None,
    creator: str = "",
    provider: str | None = None,
    idempotency_key: str | None = None,
    jwks=None,
    actor: Actor = UNATTRIBUTED,
) -> Registration:
    """Create a client at the provider and record it; the secret is in the result only.

    With `jwks` (the caller's public JWK or JWKS) the client authenticates with `private_key_jwt`
    and has no secret; a private key is refused (`InvalidRegistration`) and goes nowhere.

    With `idempotency_key`, a repeat by the same requester returns the first result (for
    `IDEMPOTENCY_TTL` seconds) instead of creating a second client. Raises `InvalidRegistration`,
    `IdempotencyConflict`, a `ProviderError` (no active row is left) or `DatabaseFailure`
    (the client was removed at the provider again). `actor` is who asked, for the audit event.
    """
    with audited(Action.REGISTER, actor=actor) as audit:
        return _register(
            audit,
            label=label,
            scopes=scopes,
            created_by=created_by,
            creator=creator,
            provider=provider,
            idempotency_key=idempotency_key,
            jwks=jwks,
        )


def _register(
    audit: Audit,
    *,
    label: str,
    scopes: Sequence[str],
    created_by,
    creator: str,
    provider: str | None,
    idempotency_key: str | None,
    jwks,
) -> Registration:
    """`register_client`'s work; tells `audit` the record it writes (the event's target)."""
    label, scopes = clean_label(label), registrable_scopes(scopes)
    keys = clean_public_keys(jwks) if jwks is not None else None
    alias = provider or registration_settings.PROVIDER
    backend = get_provider(alias)
    key_hash = fingerprint = None
    if idempotency_key:
        key_hash = _digest(creator, idempotency_key)
        key_part = [json.dumps(keys, sort_keys=True)] if keys else []
        fingerprint = _digest(label, " ".join(scopes), alias, *key_part)
    try:
        with transaction.atomic():
            row = RegisteredClient.objects.create(
                label=label,
                scopes=scopes,
                provider=alias,
                created_by=created_by,
                creator=creator[:255],
                idempotency_key=key_hash,
                request_fingerprint=fingerprint or "",
                auth_method="private_key_jwt" if keys else "client_secret_basic",
                key_ids=[key["kid"] for key in keys or []],
            )
    except IntegrityError:
        if key_hash is None:
            raise
        replayed = _replay(key_hash, fingerprint)
        audit.client, audit.reason = replayed.client, "replayed"
        return replayed
    except DatabaseError as exc:
        # Nothing was asked of the provider yet: the caller may simply retry.
        logger.error("Registration of %r not started: the database failed (%s)", label, type(exc).__name__)
        raise DatabaseFailure(
            f"The registration could not be recorded ({type(exc).__name__}); nothing was created. Retry later."
        ) from exc

    audit.client = row
    if keys:
        audit.credential = ", ".join(key_named(kid=key["kid"], jwk=key) for key in keys)
    try:
        created = backend.create(label=label, scopes=scopes, **({"jwks": keys} if keys else {}))
    except ProviderError as exc:
        if exc.maybe_created:
            remove_unseen(row, backend, reason=exc.message)
        elif isinstance(exc, ProviderValidationError):
            # The provider refused the request's content (unknown scope, ...): invalid input,
            # like what `clean_*` refuse, leaves no record.
            _discard(row)
        else:
            _fail(row, exc.message)
        raise
    _activate(row, created, backend)
    registration = Registration(client=row, client_secret=created.client_secret, token_url=token_url())
    if key_hash and registration_settings.IDEMPOTENCY_TTL > 0:
        # Kept encrypted and briefly, so a client that lost the answer can get it again.
        caches[registration_settings.CACHE_ALIAS].set(
            _replay_cache_key(key_hash),
            encrypt_json(registration.as_response()),
            registration_settings.IDEMPOTENCY_TTL,
        )
    logger.info("Registered client %s (%r) at provider %s for %s", row.client_id, label, alias, creator or "-")
    return registration


def _activate(row: RegisteredClient, created: CreatedClient, backend) -> None:
    """Record the provider's client; on a database failure remove it at the provider again."""
    try:
        with transaction.atomic():
            row.client_id = created.client_id
            row.provider_reference = created.reference
            row.set_credential(created.credential)
            row.status = Status.ACTIVE
            row.last_error = ""
            row.save()
    except DatabaseError as exc:
        logger.error("Recording client %s failed (%s): removing it at the provider", created.client_id, exc)
        ref = ClientRef(client_id=created.client_id, reference=created.reference, credential=created.credential)
        try:
            backend.delete(ref)
        except ProviderError as cleanup:
            logger.error(
                "Client %s exists at provider %s without a record and could not be removed (%s); "
                "run `manage.py sync_clients`.",
                created.client_id,
                backend.alias,
                cleanup.message,
            )
            raise DatabaseFailure(
                f"The client was created at the provider but could not be recorded ({type(exc).__name__}), "
                f"and removing it failed too: client {created.client_id} must be removed (run sync_clients)."
            ) from exc
        # Best effort: the database that just failed may still be down (the row then stays
        # `pending`, which `sync_clients` settles).
        _fail(row, f"database failure: {type(exc).__name__}")
        raise DatabaseFailure(
            f"The client could not be recorded ({type(exc).__name__}); it was removed at the provider again."
        ) from exc


def _discard(row: RegisteredClient) -> None:
    """Remove the `pending` row of a registration the provider refused (best effort)."""
    try:
        RegisteredClient.objects.filter(pk=row.pk, status=Status.PENDING).delete()
    except DatabaseError:
        logger.exception("Could not remove refused registration %s", row.pk)


def _fail(row: RegisteredClient | None, message: str) -> None:
    """Mark a registration failed (best effort: the database may be what failed)."""
    if row is None:
        return
    try:
        RegisteredClient.objects.filter(pk=row.pk).update(
            status=Status.FAILED, last_error=message[:500], idempotency_key=None
        )
        row.status, row.last_error, row.idempotency_key = Status.FAILED, message[:500], None
    except DatabaseError:
        logger.exception("Could not mark registration %s failed", row.pk)


def _replay(key_hash: str, fingerprint: str | None) -> Registration:
    """The first result for a repeated `Idempotency-Key` (draft-ietf-httpapi-idempotency-key-header)."""
    row = RegisteredClient.objects.filter(idempotency_key=key_hash).first()
    if row is None:  # the first attempt failed meanwhile and released the key
        raise IdempotencyConflict("The first request with this Idempotency-Key just failed; retry.", in_flight=True)
    if row.request_fingerprint != fingerprint:
        raise IdempotencyConflict(
            "This Idempotency-Key was already used for a different registration.", in_flight=False
        )
    if row.status == Status.PENDING:
        raise IdempotencyConflict("A registration with this Idempotency-Key is still in progress.", in_flight=True)
    stored = caches[registration_settings.CACHE_ALIAS].get(_replay_cache_key(key_hash))
    try:
        body = decrypt_json(stored) if stored else None
    except DecryptionError:
        body = None
    if body is None:
        raise IdempotencyConflict(
            f"Client {row.client_id} was already registered with this Idempotency-Key; its secret was shown "
            "once and is no longer kept.",
            in_flight=False,
        )
    return Registration(
        client=row, client_secret=body.get("client_secret", ""), token_url=body["request_token_url"], replayed=True
    )


def _require(client: RegisteredClient, allowed: set[str], action: str) -> None:
    if client.status not in allowed:
        raise InvalidState(f"Client {client.client_id or client.pk} is {client.status}: it cannot be {action}.")


def _set_lifecycle(client: RegisteredClient, *, status: str, action: str, actor: Actor) -> RegisteredClient:
    """Change the lifecycle at the provider first (`deactivate`/`activate`), then record `status`."""
    with audited(Action(action), actor=actor, client=client):
        _require(client, {Status.ACTIVE, Status.INACTIVE}, f"{action}d")
        getattr(get_provider(client.provider), action)(client.ref)
        client.status = status
        client.save(update_fields=["status", "updated_at"])
    logger.info("%sd client %s", action.capitalize(), client.client_id)
    return client


def deactivate_client(*, client: RegisteredClient, actor: Actor = UNATTRIBUTED) -> RegisteredClient:
    """Deactivate at the provider (no new tokens), then record it."""
    return _set_lifecycle(client, status=Status.INACTIVE, action="deactivate", actor=actor)


def activate_client(*, client: RegisteredClient, actor: Actor = UNATTRIBUTED) -> RegisteredClient:
    """Activate at the provider, then record it."""
    return _set_lifecycle(client, status=Status.ACTIVE, action="activate", actor=actor)


def delete_client(*, client: RegisteredClient, actor: Actor = UNATTRIBUTED) -> RegisteredClient:
    """Delete at the provider (already gone counts as done), then mark the row deleted and drop its credential."""
    with audited(Action.DELETE, actor=actor, client=client):
        _require(client, {Status.ACTIVE, Status.INACTIVE, Status.FAILED}, "deleted")
        if client.status != Status.FAILED:
            try:
                get_provider(client.provider).delete(client.ref)
            except ProviderNotFound:
                logger.warning("Client %s was already gone at its provider", client.client_id)
        client.status = Status.DELETED
        client.provider_credential = ""
        client.save(update_fields=["status", "provider_credential", "updated_at"])
    logger.info("Deleted client %s", client.client_id)
    return client
