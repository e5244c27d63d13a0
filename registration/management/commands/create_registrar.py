"""`manage.py create_registrar`: the first client allowed to register others, printed as shell variables."""

import shlex

from django.conf import settings

from registration.conf import registration_settings

from .register_client import Command as RegisterClientCommand

# How to get the registrar's token with nothing but curl and python3 (RFC 6749 §4.4).
TOKEN_LINE = (
    'REGISTRAR_TOKEN=$(curl -s -u "$REGISTRAR_CLIENT_ID:$REGISTRAR_CLIENT_SECRET" -d grant_type=client_credentials '
    '--data-urlencode "scope=$REGISTRAR_SCOPE" "$REGISTRAR_TOKEN_URL" '
    "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])')"
)


class Command(RegisterClientCommand):
    help = (
        "Register the first registrar: a client whose tokens carry the registration scopes "
        "(REGISTRATION REGISTER_SCOPE and MANAGE_SCOPE, clients:register and clients:manage) and the scopes it "
        "may give the clients it registers (--scope, default DEFAULT_SCOPE: a client grants only scopes its own "
        "token carries). It is registered like register_client does (REGISTRATION_PROVIDER, ORG_URL, TOKEN). "
        "Prints shell assignments of REGISTRAR_CLIENT_ID, REGISTRAR_CLIENT_SECRET, REGISTRAR_TOKEN_URL and "
        'REGISTRAR_SCOPE and, as a comment, how to get its token: eval "$(manage.py create_registrar)" sets them '
        "in your shell. The secret is shown this once and is never stored. With --json it prints {client_id, "
        "client_secret, label, scopes, request_token_url}."
    )

    def add_arguments(self, parser):
        parser.add_argument("--label", default="Registrar", help="The client's name at the provider (%(default)s).")
        parser.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            default=None,
            help="A scope the registrar may give the clients it registers; repeat it (default: DEFAULT_SCOPE).",
        )
        parser.add_argument(
            "--provider", default=None, help="A REGISTRATION_PROVIDERS alias (default: REGISTRATION_PROVIDER)."
        )

    def handle(self, *args, label: str, scopes: list[str] | None, provider: str | None, **options):
        grantable = [scope for value in (scopes or [settings.DEFAULT_SCOPE]) for scope in value.split()]
        wanted = [registration_settings.REGISTER_SCOPE, registration_settings.MANAGE_SCOPE, *grantable]
        body = self.register(label=label, scopes=list(dict.fromkeys(wanted)), provider=provider)
        self.emit(body, shell_text(body))


def shell_text(body: dict) -> str:
    """The registrar as shell assignments, with comments saying what it is and how to get its token."""
    scopes = " ".join(body["scopes"])
    return "\n".join(
        [
            f"# The registrar client may register and manage API clients with these scopes: {scopes}.",
            "# Its secret is shown only this once and is not stored: keep it now.",
            f"REGISTRAR_CLIENT_ID={shlex.quote(body['client_id'])}",
            f"REGISTRAR_CLIENT_SECRET={shlex.quote(body['client_secret'])}",
            f"REGISTRAR_TOKEN_URL={shlex.quote(body['request_token_url'])}",
            f"REGISTRAR_SCOPE={shlex.quote(scopes)}",
            "# Its access token, for 'Authorization: Bearer $REGISTRAR_TOKEN' on POST /register/:",
            "# " + TOKEN_LINE,
        ]
    )
