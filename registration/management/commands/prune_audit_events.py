"""`manage.py prune_audit_events [--older-than DAYS] [--dry-run]`: remove audit events past their retention."""

from datetime import timedelta

from django.utils import timezone

from ccproject.commands import EXIT_USAGE, CommandFailed, ConfigurationError, ProjectCommand
from registration.audit import prune
from registration.conf import registration_settings
from registration.models import AuditEvent

# A hundred years: more is no retention period (and would leave the calendar).
MAX_DAYS = 36_500


class Command(ProjectCommand):
    help = (
        "Remove the registration audit events older than --older-than DAYS (default: REGISTRATION "
        "AUDIT_RETENTION_DAYS, from AUDIT_RETENTION_DAYS, 365), in batches. --dry-run only counts them. With "
        "--json it prints {events, dry_run, older_than_days, before}. Run it from cron, e.g. daily."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than",
            metavar="DAYS",
            default=None,
            help="Remove events created more than DAYS days ago (a whole number from 1 to 36500).",
        )
        parser.add_argument("--dry-run", action="store_true", help="Count the events it would remove; remove none.")

    def handle(self, *args, older_than: str | None, dry_run: bool, **options):
        days = retention_days(older_than)
        before = timezone.now() - timedelta(days=days)
        older = f"older than {days} days (created before {before:%Y-%m-%d %H:%M:%S} UTC)"
        if dry_run:
            count = AuditEvent.objects.filter(created_at__lt=before).count()
            text = f"{count} audit event(s) {older} would be removed (dry run)."
        else:
            self.progress(f"Removing the audit events {older} ...")
            count = prune(before=before, progress=lambda done: self.progress(f"{done} removed ..."))
            text = f"Removed {count} audit event(s) {older}."
        self.emit({"events": count, "dry_run": dry_run, "older_than_days": days, "before": before.isoformat()}, text)


def retention_days(value: str | None) -> int:
    """`--older-than`, else the setting: a whole number of days from 1 to `MAX_DAYS`."""
    if value is None:
        days = registration_settings.AUDIT_RETENTION_DAYS
        if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS:
            raise ConfigurationError(
                f"AUDIT_RETENTION_DAYS is {days!r}, not a whole number of days from 1 to {MAX_DAYS}",
                setting="AUDIT_RETENTION_DAYS",
            )
        return days
    text = value.strip()
    # Digits only (no sign, no fraction), and few of them before `int` reads them.
    if not (text.isascii() and text.isdigit() and len(text) <= len(str(MAX_DAYS))) or not 1 <= int(text) <= MAX_DAYS:
        raise CommandFailed(
            f"--older-than takes a whole number of days from 1 to {MAX_DAYS}, not {value[:40]!r}.",
            error="invalid_request",
            returncode=EXIT_USAGE,
        )
    return int(text)
