"""`manage.py sync_clients`: settle interrupted registrations and report drift with the provider."""

from dataclasses import asdict

from ccproject.commands import CommandFailed, ProjectCommand
from registration.audit import Actor
from registration.management.errors import check_provider, registration_errors
from registration.reconcile import sync_clients

SECTIONS = [
    ("pending_settled", "Interrupted registrations"),
    ("only_in_database", "Only in the database"),
    ("only_at_provider", "Only at the provider"),
    ("status_mismatch", "Status differs"),
]


class Command(ProjectCommand):
    help = (
        "Reconcile the database with the provider (ORG_URL, TOKEN; REGISTRATION_PROVIDER): registrations left "
        "pending by a crash are settled (a client they created unseen is removed at the provider), records whose "
        "client is gone become deleted, statuses follow the provider. Clients only at the provider are reported, "
        "never deleted. With --json it prints the report: provider, dry_run, drift and one list per section. "
        "Progress goes to stderr (on a terminal, or with -v 2)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--provider", default=None, help="A REGISTRATION_PROVIDERS alias (default: REGISTRATION_PROVIDER)."
        )
        parser.add_argument("--dry-run", action="store_true", help="Report only; change nothing.")
        parser.add_argument(
            "--check", action="store_true", help="Exit with status 1 when there is drift (after the report)."
        )

    def handle(self, *args, provider: str | None, dry_run: bool, check: bool, **options):
        check_provider(provider)
        with registration_errors():
            report = sync_clients(
                provider=provider, apply=not dry_run, progress=self.progress, actor=Actor.command_line()
            )
        data = {**asdict(report), "dry_run": dry_run, "drift": report.drift}
        lines = [f"Provider {report.provider!r}{' (dry run)' if dry_run else ''}:"]
        for name, title in SECTIONS:
            lines.append(f"  {title}: {len(data[name])}")
            lines += [f"    {line}" for line in data[name]]
        lines += [f"  Note: {note}" for note in report.notes]
        if not report.drift:
            lines.append(self.style.SUCCESS("  No drift."))
        self.emit(data, "\n".join(lines))
        if report.drift and check:
            raise CommandFailed(
                f"Drift between provider {report.provider!r} and the database (see the report).", error="drift"
            )
