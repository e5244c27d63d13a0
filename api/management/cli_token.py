"""The command line's OAuth client: a token for TEST_CLIENT_ID from the configured issuer, errors as command errors."""

from collections.abc import Callable

from django.conf import settings

from api.conf import api_settings
from api.discovery import token_endpoint
from api.private_key_jwt import AssertionSigner, PrivateKeyError
from api.token_request import OAuthClientError, TokenResponse, fetch_token, require_credentials
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


def client_signer() -> AssertionSigner | None:
    """The private key `TEST_CLIENT_KEY` names (the client then uses private_key_jwt), or `None`."""
    if not settings.TEST_CLIENT_KEY:
        return None
    try:
        return AssertionSigner.from_file(settings.TEST_CLIENT_KEY)
    except PrivateKeyError as exc:
        raise ConfigurationError(f"TEST_CLIENT_KEY cannot be used: {exc}", setting="TEST_CLIENT_KEY") from exc


def obtain_token(
    scope: str | None,
    *,
    audience: str | None = None,
    resource: list[str] | None = None,
    progress: Callable[[str], None] = lambda message: None,
) -> TokenResponse:
    """A token for the configured client; raises `CommandFailed`, or `Unavailable` when the issuer is down.

    The credentials are checked before the issuer is asked anything. A command is one
    process: the token endpoint is discovered without the shared cache (which may be a
    database table not created yet).
    """
    signer = client_signer()
    try:
        require_credentials(settings.TEST_CLIENT_ID, settings.TEST_CLIENT_SECRET, signer)
        token_url = token_endpoint(settings.ISSUER, shared=False)
        progress(f"Getting a token from {token_url} ...")
        return fetch_token(
            client_id=settings.TEST_CLIENT_ID,
            client_secret="" if signer else settings.TEST_CLIENT_SECRET,
            signer=signer,
            scope=scope or settings.DEFAULT_SCOPE,
            token_url=token_url,
            audience=audience or settings.TOKEN_AUDIENCE,
            resource=resource or settings.TOKEN_RESOURCE,
            url_setting=token_endpoint_setting(),
        )
    except OAuthClientError as exc:
        if exc.retryable:
            raise Unavailable(str(exc)) from exc
        returncode = EXIT_CONFIG if exc.error == "configuration_error" else None
        raise CommandFailed(str(exc), error=exc.error, returncode=returncode) from exc
