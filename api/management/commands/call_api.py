"""`manage.py call_api`: a client's whole round trip — get a token, call the API, print the answer."""

import json
import re
from urllib.parse import urlsplit

import requests
from django.conf import settings

from api.management.cli_token import add_token_arguments, client_auth, command_error
from api.token_request import TIMEOUT, OAuthClientError
from ccproject.commands import CommandFailed, ProjectCommand, Unavailable

# What to check when the API refuses a token the issuer just gave us.
API_HINTS = {
    401: (
        "the API does not accept the issuer's token: check that ISSUER and AUDIENCE are the same for both "
        "(a running server reads .env only when it starts: restart it after editing .env)"
    ),
    403: "the token lacks the scope the API needs: check DEFAULT_SCOPE (or --scope) and the client's scopes",
    404: "check API_URL (or --url)",
}


class Command(ProjectCommand):
    help = (
        "Call the API as a client would: get an access token with the client credentials "
        "grant (TEST_CLIENT_ID/TEST_CLIENT_SECRET, DEFAULT_SCOPE, TOKEN_AUDIENCE and TOKEN_RESOURCE when set, "
        "from TOKEN_ENDPOINT, else the token endpoint the issuer's metadata names, else {ISSUER}/v1/token), "
        "send it as 'Authorization: Bearer' (with --dpop or TOKEN_DPOP: DPoP-bound, "
        "with a proof) to API_URL and print the answer (Hello World!). "
        'With --json it prints {"status": ..., "body": ...}.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--url", default=None, help="The API URL to call (default: API_URL).")
        add_token_arguments(parser)

    def handle(
        self,
        *args,
        url: str | None,
        scope: str | None,
        audience: str | None,
        resource: list[str] | None,
        dpop: bool | None,
        **options,
    ):
        url = url or settings.API_URL
        auth = client_auth(scope, audience=audience, resource=resource, dpop=dpop, progress=self.progress)
        try:
            auth.token()
            self.progress(f"Calling GET {url}{' with DPoP' if auth.dpop_key else ''} ...")
            response = requests.get(url, auth=auth, headers={"Accept": "application/json"}, timeout=TIMEOUT)
        except OAuthClientError as exc:
            raise command_error(exc) from exc
        except requests.RequestException as exc:
            raise Unavailable(f"Cannot reach the API at {url} ({type(exc).__name__}); check API_URL.") from exc
        try:
            body = response.json()
        except ValueError:
            body = response.text
        if response.status_code != 200:
            hint = restart_hint(url, response) if response.status_code == 401 else None
            raise self.api_error(url, response.status_code, body, hint=hint)
        self.emit({"status": response.status_code, "body": body}, body if isinstance(body, str) else json.dumps(body))

    def api_error(self, url: str, status: int, body, *, hint: str | None = None) -> CommandFailed:
        """The API's `{"error", "error_description"}` as one line, with what to check."""
        error = body.get("error") if isinstance(body, dict) and isinstance(body.get("error"), str) else None
        description = str(body.get("error_description", "")).rstrip(".") if error else ""
        message = ": ".join(part for part in (f"The API at {url} answered {status}", error, description) if part)
        hint = hint or API_HINTS.get(status)
        if status >= 500:
            return Unavailable(f"{message}; retry later.", error=error or "temporarily_unavailable")
        return CommandFailed(f"{message}; {hint}." if hint else f"{message}.", error=error or f"http_{status}")


def issuers_the_api_trusts(url: str, response: requests.Response) -> list[str] | None:
    """The authorization servers the running API names in its protected resource metadata (RFC 9728 §3.2).

    Read from the challenge's `resource_metadata` (§5.1), on the API's own origin only; None
    when the API names none or cannot be asked.
    """
    challenge = response.headers.get("WWW-Authenticate", "")
    match = re.search(r'resource_metadata="([^"]+)"', challenge)
    if match is None or urlsplit(match.group(1))[:2] != urlsplit(url)[:2]:
        return None
    try:
        metadata = requests.get(match.group(1), timeout=TIMEOUT).json()
    except (requests.RequestException, ValueError):
        return None
    servers = metadata.get("authorization_servers") if isinstance(metadata, dict) else None
    if not isinstance(servers, list) or not all(isinstance(server, str) for server in servers):
        return None
    return servers


def restart_hint(url: str, response: requests.Response) -> str | None:
    """When the running API trusts another issuer than ISSUER says: it has not reread `.env` since."""
    servers = issuers_the_api_trusts(url, response)
    if not servers or settings.ISSUER in servers:
        return None
    return (
        f"the running API trusts tokens from {', '.join(servers)}, but ISSUER is {settings.ISSUER}: "
        "a server reads .env only when it starts, so restart it after editing .env (or set ISSUER to "
        "the issuer it trusts)"
    )
