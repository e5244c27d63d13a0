"""`manage.py get_token`: print an access token for curl."""

import json

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from api.oauth_client import OAuthClientError, fetch_token


class Command(BaseCommand):
    help = "Fetch an access token from {ISSUER}/v1/token with TEST_CLIENT_ID/TEST_CLIENT_SECRET and print it."

    def add_arguments(self, parser):
        parser.add_argument("--scope", default=None, help="Scopes to request (default: DEFAULT_SCOPE).")
        parser.add_argument("--json", action="store_true", help="Print the whole token response as JSON.")

    def handle(self, *args, scope: str | None, json: bool, **options):
        try:
            token = fetch_token(
                issuer=settings.ISSUER,
                client_id=settings.TEST_CLIENT_ID,
                client_secret=settings.TEST_CLIENT_SECRET,
                scope=scope or settings.DEFAULT_SCOPE,
            )
        except OAuthClientError as exc:
            raise CommandError(str(exc)) from exc
        if json:
            self.stdout.write(_dumps(token.__dict__))
        else:
            self.stdout.write(token.access_token)


def _dumps(value) -> str:
    return json.dumps(value, indent=2)
