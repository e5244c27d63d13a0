"""The command line's OAuth client: a token for TEST_CLIENT_ID from the configured issuer, errors as command errors."""

from django.conf import settings

from api.conf import api_settings
from api.oauth_client import OAuthClientError, TokenResponse, fetch_token, token_endpoint

from .base import EXIT_CONFIG, CommandFailed, Unavailable


def cli_token_endpoint() -> str:
    """`TOKEN_ENDPOINT` when set, else Okta's `{ISSUER}/v1/token`."""
    return api_settings.TOKEN_ENDPOINT or token_endpoint(settings.ISSUER)


def obtain_token(scope: str | None) -> TokenResponse:
    """A token for the configured client; raises `CommandFailed`, or `Unavailable` when the issuer is down."""
    try:
        return fetch_token(
            issuer=settings.ISSUER,
            client_id=settings.TEST_CLIENT_ID,
            client_secret=settings.TEST_CLIENT_SECRET,
            scope=scope or settings.DEFAULT_SCOPE,
            token_url=cli_token_endpoint(),
        )
    except OAuthClientError as exc:
        if exc.retryable:
            raise Unavailable(str(exc)) from exc
        returncode = EXIT_CONFIG if exc.error == "configuration_error" else None
        raise CommandFailed(str(exc), error=exc.error, returncode=returncode) from exc
