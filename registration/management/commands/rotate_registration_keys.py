"""`manage.py rotate_registration_keys`: re-encrypt stored provider credentials under the current key."""

from django.core.management.base import BaseCommand, CommandError

from registration.crypto import DecryptionError, rotate
from registration.models import RegisteredClient


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored provider credential (RFC 7592 registration access tokens) with the first "
        "secret of REGISTRATION['ENCRYPTION_KEYS'], so older secrets can then be removed from the list."
    )

    def handle(self, *args, **options):
        rotated, failed = 0, []
        for client in RegisteredClient.objects.exclude(provider_credential="").only("pk", "provider_credential"):
            try:
                client.provider_credential = rotate(client.provider_credential)
            except DecryptionError:
                failed.append(str(client.pk))
                continue
            client.save(update_fields=["provider_credential"])
            rotated += 1
        self.stdout.write(f"Re-encrypted {rotated} credential(s).")
        if failed:
            raise CommandError(
                f"{len(failed)} credential(s) cannot be decrypted with any key (rows {', '.join(failed)})."
            )
