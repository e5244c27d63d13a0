"""The command line's OAuth client: a token for TEST_CLIENT_ID from the configured issuer, errors as command errors."""

import argparse
from collections.abc import Callable

from django.conf import settings

from api.client_auth import ClientCredentialsAuth
from api.conf import api_settings
from api.discovery import token_endpoint
from api.private_key_jwt import AssertionSigner, PrivateKeyError
from api.token_request import OAuthClientError, TokenResponse, require_credentials
from ccproject.commands import EXIT_CONFIG, CommandFailed, ConfigurationError, Unavailable


def token_endpoint_setting() -> str:
    """What to check when the token endpoint fails: the setting it came from, and how it was derived."""
    if api_settings.TOKEN_ENDPOINT:
        return "TOKEN_ENDPOINT"
    return (
        "ISSUER and TOKEN_ENDPOINT (unset, so the token_endpoint of the issuer's metadata, else "
        "{ISSUER}/v1/token, Okta's layout: set it to your server's token endpoint)"
    )


def add_token_arguments(parser) -> None:
    """The flags of a command that gets a token: what to ask the token endpoint for."""
    parser.add_argument(
        "--scope", default=None, help="Space-separated scopes to request (default: DEFAULT_SCOPE, e.g. hello:read)."
    )
    parser.add_argument(
        "--audience",
        default=None,
        help="The audience parameter some servers require, e.g. Auth0 (default: TOKEN_AUDIENCE; none when empty).",
    )
    parser.add_argument(
        "--resource",
        action="append",
        default=None,
        help="An RFC 8707 resource indicator (repeatable; default: TOKEN_RESOURCE; none when empty).",
    )
    parser.add_argument(
        "--dpop",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="Ask for a DPoP-bound token (RFC 9449), proved with an ES256 key made for this run (default: TOKEN_DPOP).",
    )


def client_signer() -> AssertionSigner | None:
    """The private key `TEST_CLIENT_KEY` names (the client then uses private_key_jwt), or `None`."""
    if not settings.TEST_CLIENT_KEY:
        return None
    try:
        return AssertionSigner.from_file(settings.TEST_CLIENT_KEY)
    except PrivateKeyError as exc:
        raise ConfigurationError(f"TEST_CLIENT_KEY cannot be used: {exc}", setting="TEST_CLIENT_KEY") from exc


def client_auth(
    scope: str | None,
    *,
    audience: str | None = None,
    resource: list[str] | None = None,
    dpop: bool | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> ClientCredentialsAuth:
    """The configured client as a `requests` auth (`dpop`: `--dpop`, else TOKEN_DPOP); raises `CommandFailed`.

    The credentials are checked before the issuer is asked anything. A command is one
    process: the token endpoint is discovered without the shared cache (which may be a
    database table not created yet).
    """
    signer = client_signer()
    try:
        require_credentials(settings.TEST_CLIENT_ID, settings.TEST_CLIENT_SECRET, signer)
        token_url = token_endpoint(settings.ISSUER, shared=False)
    except OAuthClientError as exc:
        raise command_error(exc) from exc
    progress(f"Getting a{' DPoP-bound' if dpop else ''} token from {token_url} ...")
    auth = ClientCredentialsAuth(
        token_url=token_url,
        client_id=settings.TEST_CLIENT_ID,
        client_secret="" if signer else settings.TEST_CLIENT_SECRET,
        signer=signer,
        scope=scope or settings.DEFAULT_SCOPE,
        audience=audience or settings.TOKEN_AUDIENCE,
        resource=resource or settings.TOKEN_RESOURCE,
        dpop=settings.TOKEN_DPOP if dpop is None else dpop,
        url_setting=token_endpoint_setting(),
    )
    return auth


def command_error(exc: OAuthClientError) -> CommandFailed:
    """A token request's failure as the command's: `Unavailable` when the issuer is down."""
    if exc.retryable:
        return Unavailable(str(exc))
    returncode = EXIT_CONFIG if exc.error == "configuration_error" else None
    return CommandFailed(str(exc), error=exc.error, returncode=returncode)


def obtain_token(
    scope: str | None,
    *,
    audience: str | None = None,
    resource: list[str] | None = None,
    dpop: bool | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> TokenResponse:
    """A token for the configured client; raises `CommandFailed`, or `Unavailable` when the issuer is down."""
    auth = client_auth(scope, audience=audience, resource=resource, dpop=dpop, progress=progress)
    try:
        return auth.token()
    except OAuthClientError as exc:
        raise command_error(exc) from exc
