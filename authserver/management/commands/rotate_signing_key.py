"""`manage.py rotate_signing_key`: a new key signs; old keys stay published until their tokens expire."""

import json

from django.core.management.base import BaseCommand, CommandError

from authserver.keys import ALGORITHMS, published_keys, retire_expired_keys, rotate_signing_key
from authserver.models import SigningKey


def describe(key: SigningKey) -> dict:
    return {
        "kid": key.kid,
        "alg": key.algorithm,
        "created": key.created_at.isoformat(),
        "signing": key.deactivated_at is None,
        "published_until": key.publish_until.isoformat() if key.publish_until else None,
    }


class Command(BaseCommand):
    help = (
        "Rotate the embedded server's signing key: create a new key that signs every token from now on, "
        "and keep the previous keys in the JWKS until every token they signed has expired (the token "
        "lifetime plus KEY_RETIREMENT_LEEWAY). Keys past that point are retired (unpublished, private key "
        "destroyed) on every run and on every JWKS request. Exit status: 0 on success, 1 on error."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--algorithm",
            choices=ALGORITHMS,
            default=None,
            help="Algorithm of the new key (default: AUTHSERVER['SIGNING_ALGORITHM'], RS256).",
        )
        parser.add_argument(
            "--retire-only",
            action="store_true",
            help="Do not rotate: only retire the keys whose tokens have all expired, and list the rest.",
        )
        parser.add_argument("--json", action="store_true", help="Print the result as JSON.")

    def handle(self, *args, algorithm: str | None, retire_only: bool, json: bool, **options):
        try:
            retired = retire_expired_keys()
            new_key, replaced = (None, []) if retire_only else rotate_signing_key(algorithm)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        published = published_keys()
        result = {
            "rotated": new_key is not None,
            "signing_kid": next((key.kid for key in published if key.deactivated_at is None), None),
            "replaced": [key.kid for key in replaced],
            "retired": retired,
            "published": [describe(key) for key in published],
        }
        if json:
            self.stdout.write(_dumps(result))
            return
        if new_key:
            self.stdout.write(self.style.SUCCESS(f"New signing key {new_key.kid} ({new_key.algorithm})."))
        for kid in retired:
            self.stdout.write(f"Retired {kid}: every token it signed has expired.")
        for key in published:
            if key.deactivated_at is None:
                self.stdout.write(f"Signing:   {key.kid} ({key.algorithm})")
            else:
                self.stdout.write(f"Published: {key.kid} ({key.algorithm}) until {key.publish_until.isoformat()}")


def _dumps(value) -> str:
    return json.dumps(value, indent=2)
