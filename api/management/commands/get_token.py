"""`manage.py get_token`: print an access token for curl."""

from api.management.cli_token import add_token_arguments, obtain_token
from ccproject.commands import ProjectCommand


class Command(ProjectCommand):
    help = (
        "Get an access token with the client credentials grant and print it, for curl: "
        'curl -H "Authorization: Bearer $(manage.py get_token)" ... '
        "It asks the issuer's token endpoint (TOKEN_ENDPOINT, else the one the issuer's metadata names, "
        "else {ISSUER}/v1/token) as the client "
        "TEST_CLIENT_ID/TEST_CLIENT_SECRET for the scopes in DEFAULT_SCOPE (with TOKEN_AUDIENCE and "
        "TOKEN_RESOURCE when set). "
        "With --json it prints the whole token response (access_token, token_type, expires_in, scope). "
        "With --dpop (or TOKEN_DPOP) the token is DPoP-bound to a key made for this run (token_type DPoP): "
        "it shows that the issuer binds tokens, but only this run could use it."
    )

    def add_arguments(self, parser):
        add_token_arguments(parser)

    def handle(
        self, *args, scope: str | None, audience: str | None, resource: list[str] | None, dpop: bool | None, **options
    ):
        token = obtain_token(scope, audience=audience, resource=resource, dpop=dpop)
        self.emit(token.__dict__, token.access_token)
