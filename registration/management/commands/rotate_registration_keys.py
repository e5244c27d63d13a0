"""`manage.py rotate_registration_keys`: re-encrypt stored provider credentials under the current key."""

from ccproject.commands import ConfigurationError, ProjectCommand
from registration.audit import Action, Actor, Audit, audited
from registration.crypto import DecryptionError, rotate
from registration.management.errors import registration_errors
from registration.models import RegisteredClient

# A progress line per this many credentials.
PROGRESS_EVERY = 100


class Command(ProjectCommand):
    help = (
        "Re-encrypt every stored provider credential (RFC 7592 registration access tokens) with the first "
        "secret of REGISTRATION_ENCRYPTION_KEYS (default SECRET_KEY, then SECRET_KEY_FALLBACKS), so older "
        "secrets can then be removed from the list. With --json it prints {rotated, undecryptable_rows}. "
        "Exits 3 when a credential cannot be decrypted with any configured secret (put the old one back)."
    )

    def handle(self, *args, **options):
        # One audit event for the run: how many of the stored credentials it re-encrypted.
        with audited(Action.REENCRYPT, actor=Actor.command_line()) as audit:
            self.reencrypt(audit)

    def reencrypt(self, audit: Audit) -> None:
        rows = RegisteredClient.objects.exclude(provider_credential="").only("pk", "provider_credential")
        total = rows.count()
        rotated, failed = 0, []
        self.progress(f"Re-encrypting {total} credential(s) ...")
        with registration_errors():  # no usable secret at all: a configuration error
            for done, client in enumerate(rows.iterator(), start=1):
                try:
                    client.provider_credential = rotate(client.provider_credential)
                except DecryptionError:
                    failed.append(client.pk)
                    continue
                client.save(update_fields=["provider_credential"])
                rotated += 1
                audit.target = f"{rotated} of {total} credential(s)"
                if done % PROGRESS_EVERY == 0:
                    self.progress(f"{done}/{total} ...")
        audit.target = f"{rotated} of {total} credential(s)"
        self.emit({"rotated": rotated, "undecryptable_rows": failed}, f"Re-encrypted {rotated} credential(s).")
        if failed:
            raise ConfigurationError(
                f"{len(failed)} credential(s) cannot be decrypted with any configured secret "
                f"(rows {', '.join(map(str, failed))}); put the secret they were encrypted with back in the list",
                setting="REGISTRATION_ENCRYPTION_KEYS",
            )
