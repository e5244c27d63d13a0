"""`manage.py sync_clients`: settle interrupted registrations and report drift with the provider."""

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from registration.exceptions import RegistrationError
from registration.reconcile import sync_clients


class Command(BaseCommand):
    help = (
        "Reconcile the database with the provider: registrations left pending by a crash are settled "
        "(a client they created unseen is removed at the provider), records whose client is gone become "
        "deleted, statuses follow the provider. Clients only at the provider are reported, never deleted."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--provider", default=None, help="A REGISTRATION_PROVIDERS alias (default: the configured one)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report only; change nothing.")
        parser.add_argument("--check", action="store_true", help="Exit with status 1 when there is drift.")

    def handle(self, *args, provider: str | None, dry_run: bool, check: bool, **options):
        try:
            report = sync_clients(provider=provider, apply=not dry_run)
        except (RegistrationError, ImproperlyConfigured) as exc:
            raise CommandError(" ".join(str(getattr(exc, "message", exc)).split())) from exc
        sections = [
            ("Interrupted registrations", report.pending_settled),
            ("Only in the database", report.only_in_database),
            ("Only at the provider", report.only_at_provider),
            ("Status differs", report.status_mismatch),
        ]
        self.stdout.write(f"Provider {report.provider!r}{' (dry run)' if dry_run else ''}:")
        for title, lines in sections:
            self.stdout.write(f"  {title}: {len(lines)}")
            for line in lines:
                self.stdout.write(f"    {line}")
        for note in report.notes:
            self.stdout.write(f"  Note: {note}")
        if not report.drift:
            self.stdout.write(self.style.SUCCESS("  No drift."))
        elif check:
            raise CommandError("Drift between the provider and the database (see above).", returncode=1)
