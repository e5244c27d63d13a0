"""The audit trail of registration: who did what to which client, how it ended, from where, when.

Every service that changes a client, at the provider or in the database, writes one `AuditEvent`
through `record()`, the single place the trail is written; most do it through `audited()`, which
records the outcome when the work ends, however it ends (a provider fault or a crash too).

An event is never lost with the work it describes: services call `record()` outside their own
`transaction.atomic` blocks, so the event commits on its own even when the registration's
transaction was rolled back (on PostgreSQL an insert made inside a rolled-back block would vanish
with it). When the event cannot be written (the database is down), that is logged and the
caller's own result or error goes on unchanged.

Never a secret: an event names the client (its id), the actor (a username, a client id, or the OS
user of a command), the secret or key concerned by its id at the provider (a public key also by its
RFC 7638 thumbprint) and a short reason code chosen here, never text the provider sent.
"""

import getpass
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, transaction

from ccproject import metrics, request_id
from ccproject.client_address import client_address
from ccproject.commands import CommandFailed
from ccproject.dpop import ProofError, jwk_thumbprint

from .api_errors import to_api_exception
from .exceptions import DatabaseFailure, ProviderRateLimited, RegistrationError
from .models import AuditEvent, RegisteredClient
from .permissions import requester

logger = logging.getLogger("registration.audit")

Action = AuditEvent.Action
ActorKind = AuditEvent.ActorKind
Outcome = AuditEvent.Outcome
# The metric's label values: these fixed sets only.
_ACTIONS, _OUTCOMES = frozenset(Action.values), frozenset(Outcome.values)

# Where the API's error code says too little for the trail (both are its `temporarily_unavailable`).
REASONS: dict[type[Exception], str] = {
    DatabaseFailure: "database_error",
    ProviderRateLimited: "provider_rate_limited",
}


@dataclass(frozen=True)
class Actor:
    """Who asks: a staff user, an API client (by its token) or a command (`system`), and from where."""

    kind: str
    name: str
    address: str | None = None
    request_id: str = ""

    @classmethod
    def from_request(cls, request) -> "Actor":
        """The requester of a DRF or admin request: the token's client, else the signed-in staff user."""
        _, who = requester(request)
        kind, _, name = who.partition(":")
        return cls(
            kind=ActorKind.CLIENT if kind == "client" else ActorKind.STAFF,
            name=name,
            address=client_address(request),
            request_id=getattr(request, "request_id", "") or "",
        )

    @classmethod
    def command_line(cls) -> "Actor":
        """A management command, named by the OS user running it."""
        return cls(kind=ActorKind.SYSTEM, name=os_user())

    @property
    def creator(self) -> str:
        """How `RegisteredClient.creator` names this actor (`user:`, `client:` or `cli:`)."""
        prefix = {ActorKind.STAFF: "user", ActorKind.CLIENT: "client"}.get(self.kind, "cli")
        return f"{prefix}:{self.name}"


# A service called without an actor (from code of one's own, or a shell) is the system's.
UNATTRIBUTED = Actor(kind=ActorKind.SYSTEM, name="")


def os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"


def target_of(client: RegisteredClient | None) -> str:
    """The event's target for a client record: its client id, else `row N` (a registration that got none)."""
    if client is None:
        return ""
    return client.client_id or (f"row {client.pk}" if client.pk else "")


def secret_named(*secret_ids: str) -> str:
    """How an event names secrets: by their ids at the provider, never a value or a hash of one."""
    return "secret " + " ".join(secret_ids)


def key_named(key_id: str = "", *, kid: str = "", jwk: dict | None = None) -> str:
    """How an event names a public key: its provider id, its `kid` and RFC 7638 thumbprint when known."""
    details = [f"kid {kid}"] if kid and kid != key_id else []
    if jwk:
        with suppress(ProofError):
            details.append(f"jkt {jwk_thumbprint(jwk)}")
    name = f"key {key_id}" if key_id else "key"
    return name + (f" ({', '.join(details)})" if details else "")


def reason_of(exc: BaseException) -> tuple[str, str]:
    """(outcome, reason code) of a failure: `refused` where the API answers 4xx (the request was at
    fault), `failed` otherwise; the code is the API's `error`, or finer where `REASONS` says."""
    if isinstance(exc, RegistrationError):
        api_error = to_api_exception(exc)
        code = next((code for kind, code in REASONS.items() if isinstance(exc, kind)), api_error.get_codes())
        return (Outcome.REFUSED if api_error.status_code < 500 else Outcome.FAILED), code
    if isinstance(exc, CommandFailed):  # a command's own failure, with its machine-readable `error`
        return Outcome.FAILED, exc.error
    if isinstance(exc, ImproperlyConfigured):
        return Outcome.FAILED, "configuration_error"
    if isinstance(exc, DatabaseError):
        return Outcome.FAILED, "database_error"
    if isinstance(exc, Exception):
        return Outcome.FAILED, "server_error"
    return Outcome.FAILED, "interrupted"  # KeyboardInterrupt, SystemExit


def _bounded(value: object, length: int) -> str:
    """`value` as printable text of at most `length` characters (a NUL cannot even be stored by PostgreSQL)."""
    text = str(value or "")
    if not text.isprintable():
        text = "".join(character if character.isprintable() else "\ufffd" for character in text)
    return text[:length]


def _request_id(actor: Actor) -> str:
    """The id of the request being served (`ccproject.request_id`), also where no request is passed
    down; the actor's own (taken from its request) otherwise; empty for a command."""
    return request_id.current() or actor.request_id


def record(
    *,
    action: str,
    outcome: str,
    actor: Actor = UNATTRIBUTED,
    target: str = "",
    credential: str = "",
    reason: str = "",
) -> AuditEvent | None:
    """Write one audit event in a transaction of its own; returns it, or None when it could not be written.

    Call it outside any `transaction.atomic` block of the work it describes. A failure to write
    is logged (with the event's content, which holds no secret) and never raised. Every event is
    counted too (`ccproject_registration_actions_total`), whether or not it could be written.
    """
    metrics.registration_action(
        action if action in _ACTIONS else metrics.OTHER, outcome if outcome in _OUTCOMES else metrics.OTHER
    )
    field = AuditEvent._meta.get_field
    event = AuditEvent(
        actor_kind=actor.kind,
        actor=_bounded(actor.name, field("actor").max_length),
        action=action,
        target=_bounded(target, field("target").max_length),
        credential=_bounded(credential, field("credential").max_length),
        outcome=outcome,
        reason=_bounded(reason, field("reason").max_length),
        request_id=_bounded(_request_id(actor), field("request_id").max_length),
        client_address=actor.address,
    )
    try:
        with transaction.atomic():
            event.save()
    except Exception as exc:  # whatever the database says: the caller's outcome must not change
        # When the action itself failed on the database, its own error already says so (the
        # service's ERROR line, a command's one-line failure): the lost event is part of that failure.
        same_failure = reason == "database_error" and isinstance(exc, DatabaseError)
        logger.log(
            logging.INFO if same_failure else logging.ERROR,
            "Audit event not written (%s): %s %s %s by %s %r, reason %r, request %r",
            type(exc).__name__,
            event.action,
            event.target or "-",
            event.outcome,
            event.actor_kind,
            event.actor,
            event.reason,
            event.request_id,
        )
        return None
    return event


@dataclass
class Audit:
    """What a service learns while it works and its event records: the client, the credential concerned."""

    client: RegisteredClient | None = None
    target: str = ""
    credential: str = ""
    # A note on a success (an idempotent replay); failures get theirs from the exception.
    reason: str = ""


@contextmanager
def audited(
    action: str, *, actor: Actor = UNATTRIBUTED, client: RegisteredClient | None = None, credential: str = ""
) -> Iterator[Audit]:
    """Record `action` when the block ends: succeeded, or failed/refused with the exception's reason (re-raised)."""
    audit = Audit(client=client, credential=credential)
    try:
        yield audit
    except BaseException as exc:
        outcome, reason = reason_of(exc)
        _record(action, actor, audit, outcome, reason)
        raise
    _record(action, actor, audit, Outcome.SUCCEEDED, audit.reason)


def _record(action: str, actor: Actor, audit: Audit, outcome: str, reason: str) -> None:
    record(
        action=action,
        outcome=outcome,
        actor=actor,
        target=audit.target or target_of(audit.client),
        credential=audit.credential,
        reason=reason,
    )


# Events deleted per statement by `prune`: short transactions, so writers of new events never wait long.
PRUNE_BATCH = 1000


def prune(*, before: datetime, batch_size: int = PRUNE_BATCH, progress: Callable[[int], None] | None = None) -> int:
    """Delete the events created before `before`, `batch_size` at a time; returns how many."""
    old = AuditEvent.objects.filter(created_at__lt=before).order_by()
    deleted = 0
    while batch := list(old.values_list("pk", flat=True)[:batch_size]):
        deleted += AuditEvent.objects.filter(pk__in=batch).delete()[0]
        if progress:
            progress(deleted)
    return deleted
