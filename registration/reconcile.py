"""Reconciliation: remove clients a crash or timeout left unseen at the provider, and report drift."""

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import DatabaseError
from django.utils import timezone

from .audit import UNATTRIBUTED, Action, Actor, Outcome, audited, record, target_of
from .conf import registration_settings
from .exceptions import ProviderError, ProviderNotFound
from .models import RegisteredClient
from .providers import ACTIVE, INACTIVE, BaseProvider, ClientRef, get_provider

logger = logging.getLogger("registration")
Status = RegisteredClient.Status

# Clock skew tolerated between this service and the provider when matching by creation time.
CLOCK_SLACK = timedelta(minutes=2)
PROVIDER_STATUS = {ACTIVE: Status.ACTIVE, INACTIVE: Status.INACTIVE}


def _update(row: RegisteredClient, **fields) -> bool:
    """Write `fields` to the row (best effort: the database may be what failed); whether it was written."""
    try:
        RegisteredClient.objects.filter(pk=row.pk).update(**fields, updated_at=timezone.now())
        for name, value in fields.items():
            setattr(row, name, value)
    except DatabaseError:
        logger.exception("Could not update registration %s", row.pk)
        return False
    return True


def _record_change(action: str, row: RegisteredClient, *, written: bool, actor: Actor, reason: str = "") -> None:
    """One audit event per record `sync_clients` changed (or failed to)."""
    outcome = Outcome.SUCCEEDED if written else Outcome.FAILED
    record(action=action, outcome=outcome, actor=actor, target=target_of(row), reason="" if written else reason)


def remove_unseen(row: RegisteredClient, backend: BaseProvider, *, reason: str) -> int:
    """After a create whose outcome is unknown, remove the client it may have made; returns how many.

    A match is a client with the row's exact label, created since the row, that no row records.
    The row becomes `failed`; it stays `pending` (for `sync_clients`) when that cannot be settled now.
    """
    note = f"{reason} The outcome was unknown"
    if not backend.supports_list:
        _update(
            row,
            status=Status.FAILED,
            idempotency_key=None,
            last_error=f"{note}; this provider cannot be searched."[:500],
        )
        return 0
    others = RegisteredClient.objects.filter(provider=row.provider, label=row.label, status=Status.PENDING)
    if others.exclude(pk=row.pk).exists():
        # Another registration with this label is in flight: its client must not be mistaken for ours.
        _update(row, last_error=f"{note}; left for sync_clients."[:500])
        return 0
    try:
        candidates = [
            client
            for client in backend.list(label_prefix=row.label)
            if client.label == row.label and (client.created is None or client.created >= row.created_at - CLOCK_SLACK)
        ]
        known = set(
            RegisteredClient.objects.filter(client_id__in=[c.client_id for c in candidates]).values_list(
                "client_id", flat=True
            )
        )
        orphans = [client for client in candidates if client.client_id not in known]
        for client in orphans:
            backend.delete(ClientRef(client.client_id, client.reference, client.credential))
            logger.warning("Removed client %s left unseen at provider %s", client.client_id, backend.alias)
    except ProviderError as exc:
        _update(row, last_error=f"{note} and could not be checked ({exc.message}); left for sync_clients."[:500])
        return 0
    _update(
        row,
        status=Status.FAILED,
        idempotency_key=None,
        last_error=f"{note}: {len(orphans)} unseen client(s) removed at the provider."[:500],
    )
    return len(orphans)


@dataclass
class SyncReport:
    """What `sync_clients` found; `drift` lists clients only on one side or in different states."""

    provider: str
    pending_settled: list[str] = field(default_factory=list)
    only_in_database: list[str] = field(default_factory=list)
    only_at_provider: list[str] = field(default_factory=list)
    status_mismatch: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def drift(self) -> bool:
        return bool(self.only_in_database or self.only_at_provider or self.status_mismatch)


# `sync_clients` reports progress once per this many clients checked one by one.
PROGRESS_EVERY = 50


def sync_clients(
    *,
    provider: str | None = None,
    apply: bool = True,
    now: datetime | None = None,
    progress: Callable[[str], None] | None = None,
    actor: Actor = UNATTRIBUTED,
) -> SyncReport:
    """Settle interrupted registrations and compare the provider with the database.

    With `apply`, stale `pending` rows are settled (unseen clients removed), rows whose client is
    gone at the provider become `deleted`, and rows follow the provider's status. Clients found only
    at the provider are reported, never deleted: the provider may hold clients made elsewhere.
    `progress` receives a line per stage (and per `PROGRESS_EVERY` clients) of a long run.

    With `apply`, the run leaves a `sync` audit event and each record it changes one more
    (`sync_settle`, `sync_delete`, `sync_activate`, `sync_deactivate`); a dry run changes nothing
    and leaves none.
    """
    alias = provider or registration_settings.PROVIDER
    if not apply:
        return _sync(alias, apply=False, now=now, progress=progress, actor=actor)
    with audited(Action.SYNC, actor=actor) as audit:
        audit.target = f"provider {alias}"
        return _sync(alias, apply=True, now=now, progress=progress, actor=actor)


def _sync(
    alias: str, *, apply: bool, now: datetime | None, progress: Callable[[str], None] | None, actor: Actor
) -> SyncReport:
    say = progress or (lambda message: None)
    backend = get_provider(alias)
    report = SyncReport(provider=alias)
    cutoff = (now or timezone.now()) - timedelta(seconds=registration_settings.PENDING_GRACE)
    pending = list(RegisteredClient.objects.filter(provider=alias, status=Status.PENDING, created_at__lt=cutoff))
    if pending:
        say(f"Settling {len(pending)} interrupted registration(s) ...")
    for row in pending:
        if apply:
            removed = remove_unseen(row, backend, reason="Registration interrupted (found by sync_clients).")
            settled = row.status != Status.PENDING
            _record_change(Action.SYNC_SETTLE, row, written=settled, actor=actor, reason="still_pending")
            report.pending_settled.append(f"{row.label!r} (row {row.pk}): {row.status}, {removed} removed")
        else:
            report.pending_settled.append(
                f"{row.label!r} (row {row.pk}): pending since {row.created_at:%Y-%m-%d %H:%M}"
            )
    rows = {
        row.client_id: row
        for row in RegisteredClient.objects.filter(provider=alias, status__in=[Status.ACTIVE, Status.INACTIVE])
    }
    if backend.supports_list:
        say(f"Listing the clients at provider {alias!r} ...")
        remote = {client.client_id: client for client in backend.list()}
        say(f"{len(remote)} client(s) at the provider, {len(rows)} active or inactive in the database.")
        for client_id, client in remote.items():
            if client_id not in rows:
                report.only_at_provider.append(f"{client_id} {client.label!r} ({client.status})")
    else:
        remote = {}
        report.notes.append(f"Provider {alias!r} cannot list clients: clients only at the provider cannot be found.")
    for checked, (client_id, row) in enumerate(rows.items(), start=1):
        if checked % PROGRESS_EVERY == 0:
            say(f"Compared {checked}/{len(rows)} client(s) ...")
        client = remote.get(client_id)
        if client is None:
            try:
                client = backend.get(row.ref)
            except ProviderNotFound:
                report.only_in_database.append(f"{client_id} {row.label!r} ({row.status})")
                if apply:
                    written = _update(
                        row, status=Status.DELETED, provider_credential="", last_error="Gone at the provider (sync)."
                    )
                    _record_change(Action.SYNC_DELETE, row, written=written, actor=actor, reason="database_error")
                continue
            if client.credential:
                # RFC 7592 §3: the read rotated the registration access token and the old one is
                # void, so it is stored whether or not this run applies changes.
                row.set_credential(client.credential)
                written = _update(row, provider_credential=row.provider_credential)
                _record_change(Action.SYNC_CREDENTIAL, row, written=written, actor=actor, reason="database_error")
                if not written:
                    report.notes.append(
                        f"{client_id}: the provider rotated its registration access token and the new one could not "
                        "be stored; the client cannot be managed through its registration until it is re-registered."
                    )
        wanted = PROVIDER_STATUS.get(client.status)
        if wanted and wanted != row.status:
            report.status_mismatch.append(f"{client_id} {row.label!r}: database {row.status}, provider {client.status}")
            if apply:
                written = _update(row, status=wanted)
                action = Action.SYNC_ACTIVATE if wanted == Status.ACTIVE else Action.SYNC_DEACTIVATE
                _record_change(action, row, written=written, actor=actor, reason="database_error")
    return report
