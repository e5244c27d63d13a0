"""`manage.py register_client "Awesome App Name" --scope hello:read`: register a client from the shell."""

import getpass
import json

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError

from registration.exceptions import RegistrationError
from registration.services import register_client


def one_line(message: str) -> str:
    return " ".join(message.split())


class Command(BaseCommand):
    help = (
        "Register an API client at the identity provider and record it. Prints the client id, the "
        "client secret (shown this once: store it now) and the token URL."
    )

    def add_arguments(self, parser):
        parser.add_argument("label", help="A name for the client.")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            required=True,
            help="A scope the client may request; repeat for several (or space-delimit).",
        )
        parser.add_argument(
            "--provider", default=None, help="A REGISTRATION_PROVIDERS alias (default: the configured one)."
        )
        parser.add_argument(
            "--json", action="store_true", dest="as_json", help="Print one JSON object instead of text."
        )

    def handle(self, *args, label: str, scopes: list[str], provider: str | None, as_json: bool, **options):
        scopes = [scope for value in scopes for scope in value.split()]
        try:
            registration = register_client(label=label, scopes=scopes, creator=f"cli:{_os_user()}", provider=provider)
        except (RegistrationError, ImproperlyConfigured) as exc:
            raise CommandError(one_line(getattr(exc, "message", str(exc)))) from exc
        body = registration.as_response()
        if as_json:
            self.stdout.write(json.dumps(body))
            return
        self.stdout.write(f"Client ID:     {body['client_id']}")
        self.stdout.write(f"Client secret: {body['client_secret']}")
        self.stdout.write(f"Token URL:     {body['request_token_url']}")
        self.stdout.write(f"Scopes:        {' '.join(body['scopes'])}")
        self.stderr.write("The client secret is shown only this once and is not stored: keep it now.")


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return "unknown"
