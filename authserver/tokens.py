"""JWT access tokens in Okta's shape, carrying RFC 9068's claims as well."""

import secrets
import time

import jwt
from oauth2_provider.settings import oauth2_settings

from .conf import ISSUER_META_KEY, authserver_settings
from .dpop import bound_thumbprint
from .keys import ensure_signing_key, load_private_key


def build_claims(
    *, issuer: str, client_id: str, scopes: list[str], resources: list[str] | None = None, now: int | None = None
) -> dict:
    """The claims of an Okta access token (`ver`, `cid`, `scp`) plus RFC 9068 §2.2's."""
    issued_at = int(time.time()) if now is None else now
    return {
        "ver": 1,
        "jti": "AT." + secrets.token_urlsafe(32),
        "iss": issuer,
        "aud": audience(resources),
        "iat": issued_at,
        "exp": issued_at + oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS,
        "cid": client_id,
        "scp": list(scopes),
        "sub": client_id,
        "client_id": client_id,
        "scope": " ".join(scopes),
    }


def audience(resources: list[str] | None) -> str | list[str]:
    """The resources asked for (RFC 8707 §2; one is a string, RFC 7519 §4.1.3), else `AUDIENCE`."""
    if not resources:
        return authserver_settings.AUDIENCE
    return resources[0] if len(resources) == 1 else list(resources)


def sign(claims: dict) -> str:
    """Sign with the current key; RFC 9068 §2.1 wants `typ: at+jwt` in the header."""
    key = ensure_signing_key()
    private_key = load_private_key(key.kid, key.private_key_pem)
    return jwt.encode(claims, private_key, algorithm=key.algorithm, headers={"kid": key.kid, "typ": "at+jwt"})


def generate_access_token(request, refresh_token: bool = False) -> str:
    """django-oauth-toolkit's ACCESS_TOKEN_GENERATOR: called by oauthlib for every grant."""
    claims = build_claims(
        # Set by TokenView from the Django request; DOT copies META into the headers.
        issuer=request.headers[ISSUER_META_KEY],
        client_id=request.client.client_id,
        scopes=request.scopes,
        # Validated by `resource_indicators.validate_resources` before any token is made.
        resources=getattr(request, "resources", None),
    )
    jkt = bound_thumbprint(request)
    if jkt is not None:
        # RFC 9449 §6.1: the token is bound to the key that signed the token request's proof.
        claims["cnf"] = {"jkt": jkt}
    return sign(claims)
