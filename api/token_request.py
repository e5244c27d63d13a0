"""A minimal client-credentials client (RFC 6749 §4.4), for the command line and tests."""

from collections.abc import Sequence
from dataclasses import dataclass

import requests

from ccproject.dpop_signer import DPoPKey

from .private_key_jwt import AssertionSigner

TIMEOUT = (3.05, 10)


class OAuthClientError(Exception):
    """The token request failed; the message is safe to print (it never holds the secret).

    `error` is the issuer's RFC 6749 §5.2 code (or one of ours), `setting` the setting to
    look at, and `retryable` whether the issuer was unreachable or failing (not a refusal).
    """

    def __init__(self, message: str, *, error: str = "token_request_failed", setting: str = "", retryable=False):
        super().__init__(message)
        self.error = error
        self.setting = setting
        self.retryable = retryable


@dataclass(frozen=True)
class TokenResponse:
    access_token: str
    token_type: str
    expires_in: int | None
    scope: str | None


def require_credentials(client_id: str, client_secret: str, signer: AssertionSigner | None = None) -> None:
    """Raise `OAuthClientError` (`configuration_error`) unless the client id and a secret or a key are set."""
    if not client_id or not (client_secret or signer):
        raise OAuthClientError(
            "No client credentials: set TEST_CLIENT_ID and TEST_CLIENT_SECRET, or TEST_CLIENT_KEY for a "
            "private_key_jwt client (`manage.py bootstrap`).",
            error="configuration_error",
            setting="TEST_CLIENT_ID and TEST_CLIENT_SECRET (or TEST_CLIENT_KEY)",
        )


def fetch_token(
    *,
    token_url: str,
    client_id: str,
    client_secret: str = "",
    signer: AssertionSigner | None = None,
    scope: str | None = None,
    audience: str | None = None,
    resource: Sequence[str] = (),
    url_setting: str = "ISSUER",
    dpop_key: DPoPKey | None = None,
) -> TokenResponse:
    """POST the client credentials grant to `token_url`, the client authenticated by HTTP Basic (RFC 6749
    §2.3.1) or, with `signer`, by a `private_key_jwt` assertion whose `aud` is `token_url` (RFC 7523 §2.2).

    `url_setting` is what a person should check when that URL fails. `audience` is the parameter
    Auth0 requires on every request, `resource` RFC 8707's resource indicators (one parameter each).
    With `dpop_key` every request carries a fresh DPoP proof (RFC 9449 §5) and the token is bound
    to that key; an issuer that asks for its nonce (`use_dpop_nonce`, as Okta does) is asked again
    once with it.
    """
    require_credentials(client_id, client_secret, signer)
    data: dict[str, str | list[str]] = {"grant_type": "client_credentials"}
    if scope:
        data["scope"] = scope
    if audience:
        data["audience"] = audience
    if resource:
        data["resource"] = list(resource)
    url = token_url
    auth = None
    if signer is not None:
        data.update(signer.form(client_id=client_id, audience=url))
    else:
        auth = (client_id, client_secret)
    try:
        response = _post(url, data, auth, dpop_key)
        nonce = response.headers.get("DPoP-Nonce")
        if dpop_key is not None and response.status_code == 400 and nonce and _error_of(response) == "use_dpop_nonce":
            if signer is not None:  # an assertion is single-use (RFC 7523 §3): a new one for the retry
                data.update(signer.form(client_id=client_id, audience=url))
            response = _post(url, data, auth, dpop_key, nonce)
    except requests.RequestException as exc:
        raise OAuthClientError(
            f"Cannot reach the token endpoint {url} ({type(exc).__name__}); check {url_setting}.",
            error="temporarily_unavailable",
            setting=url_setting,
            retryable=True,
        ) from exc
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    if response.status_code != 200 or "access_token" not in body:
        error = body.get("error") if isinstance(body.get("error"), str) else f"HTTP {response.status_code}"
        description = str(body.get("error_description", "")).rstrip(".")
        # Without an RFC 6749 §5.2 code the URL itself is the likely culprit (a 404, an HTML page).
        setting = _setting_for(error, keyless=signer is not None) if "error" in body else url_setting
        raise OAuthClientError(
            f"The token request to {url} failed: {error}{': ' + description if description else ''}; check {setting}.",
            error=error if "error" in body else "token_request_failed",
            setting=setting,
            retryable=response.status_code >= 500,
        )
    return TokenResponse(
        access_token=body["access_token"],
        token_type=body.get("token_type", "Bearer"),
        expires_in=body.get("expires_in"),
        scope=body.get("scope"),
    )


def _post(url: str, data: dict, auth, dpop_key: DPoPKey | None, nonce: str | None = None) -> requests.Response:
    headers = {"DPoP": dpop_key.proof("POST", url, nonce=nonce)} if dpop_key is not None else {}
    return requests.post(url, data=data, auth=auth, headers=headers, timeout=TIMEOUT)


def _error_of(response: requests.Response) -> str | None:
    try:
        body = response.json()
    except ValueError:
        return None
    return body.get("error") if isinstance(body, dict) else None


def _setting_for(error: str, *, keyless: bool = False) -> str:
    """The setting a person should check for an RFC 6749 §5.2 error code."""
    return {
        "invalid_client": f"TEST_CLIENT_ID and {'TEST_CLIENT_KEY' if keyless else 'TEST_CLIENT_SECRET'}",
        "unauthorized_client": "TEST_CLIENT_ID (the client may not use the client_credentials grant)",
        "invalid_scope": "DEFAULT_SCOPE (or --scope)",
        # RFC 8707 §2: a resource the server does not know or will not grant.
        "invalid_target": "TOKEN_RESOURCE (or --resource)",
        # Auth0's answer when no audience is sent and the tenant has no default one.
        "access_denied": "TOKEN_AUDIENCE (or --audience) and the client's grants at the server",
    }.get(error, "ISSUER")
