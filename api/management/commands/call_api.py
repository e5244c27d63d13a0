"""`manage.py call_api`: the seed's test.js — get a token, call the API, print the answer."""

import json

import requests
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from api.oauth_client import TIMEOUT, OAuthClientError, fetch_token


class Command(BaseCommand):
    help = (
        "Fetch a token from {ISSUER}/v1/token with TEST_CLIENT_ID/TEST_CLIENT_SECRET and DEFAULT_SCOPE, "
        "call the API (API_URL) with it and print the response. Exits non-zero on any failure."
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default=None, help="The API URL to call (default: API_URL).")
        parser.add_argument("--scope", default=None, help="Scopes to request (default: DEFAULT_SCOPE).")

    def handle(self, *args, url: str | None, scope: str | None, **options):
        url = url or settings.API_URL
        try:
            token = fetch_token(
                issuer=settings.ISSUER,
                client_id=settings.TEST_CLIENT_ID,
                client_secret=settings.TEST_CLIENT_SECRET,
                scope=scope or settings.DEFAULT_SCOPE,
            )
        except OAuthClientError as exc:
            raise CommandError(str(exc)) from exc
        try:
            response = requests.get(
                url,
                headers={"Authorization": f"Bearer {token.access_token}", "Accept": "application/json"},
                timeout=TIMEOUT,
            )
        except requests.RequestException as exc:
            raise CommandError(f"Cannot reach the API at {url} ({type(exc).__name__}); check API_URL.") from exc
        try:
            body = response.json()
        except ValueError:
            body = response.text
        if response.status_code != 200:
            if isinstance(body, dict) and "error" in body:
                raise CommandError(
                    f"The API answered {response.status_code}: {body['error']}: {body.get('error_description', '')}"
                )
            raise CommandError(f"The API answered HTTP {response.status_code}.")
        self.stdout.write(body if isinstance(body, str) else json.dumps(body))
