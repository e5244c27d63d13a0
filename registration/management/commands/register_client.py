"""`manage.py register_client "Awesome App Name" --scope hello:read`: register a client from the shell."""

from ccproject.commands import ProjectCommand
from registration.audit import Actor
from registration.conf import registration_settings
from registration.management.errors import check_provider, registration_errors
from registration.management.key_files import read_public_jwk
from registration.services import register_client


class Command(ProjectCommand):
    help = (
        "Register an API client at the identity provider (REGISTRATION_PROVIDER: the Okta Apps API at ORG_URL "
        "with the API token TOKEN, or RFC 7591 dynamic registration) and record it. Prints the client id, the "
        "client secret and the token URL; the secret is shown this once and is never stored or logged, so "
        "keep it now. With --json it prints {client_id, client_secret, label, scopes, request_token_url}."
    )

    def add_arguments(self, parser):
        parser.add_argument("label", help="A name for the client, as the provider will show it.")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            required=True,
            help="A scope the client may request (e.g. hello:read); repeat it, or space-separate several.",
        )
        parser.add_argument(
            "--provider", default=None, help="A REGISTRATION_PROVIDERS alias (default: REGISTRATION_PROVIDER)."
        )
        parser.add_argument(
            "--public-key",
            metavar="FILE",
            help="A PUBLIC JWK or JWKS (JSON, with kids): the client authenticates with private_key_jwt, no secret.",
        )

    def handle(self, *args, label: str, scopes: list[str], provider: str | None, public_key=None, **options):
        scopes = [scope for value in scopes for scope in value.split()]
        jwks = read_public_jwk(public_key) if public_key else None
        body = self.register(label=label, scopes=scopes, provider=provider, jwks=jwks)
        credential = (
            f"Key ids:       {' '.join(body['key_ids'])} (private_key_jwt)"
            if "key_ids" in body
            else f"Client secret: {body['client_secret']}"
        )
        self.emit(
            body,
            "\n".join(
                [
                    f"Client ID:     {body['client_id']}",
                    credential,
                    f"Token URL:     {body['request_token_url']}",
                    f"Scopes:        {' '.join(body['scopes'])}",
                ]
            ),
        )
        if self.verbosity > 0 and "client_secret" in body:
            self.stderr.write("The client secret is shown only this once and is not stored: keep it now.")

    def register(self, *, label: str, scopes: list[str], provider: str | None, jwks=None) -> dict:
        """Register at the provider and record it; the answer `POST /register/` would give."""
        check_provider(provider)
        self.progress(f"Registering {label!r} at provider {provider or registration_settings.PROVIDER!r} ...")
        actor = Actor.command_line()
        with registration_errors():
            registration = register_client(
                label=label, scopes=scopes, creator=actor.creator, provider=provider, jwks=jwks, actor=actor
            )
        return registration.as_response()
