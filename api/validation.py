"""The validation policy for access tokens: pure JWT logic, no request objects."""

import jwt

from .conf import api_settings
from .exceptions import TokenError
from .jwks import get_key_set
from .principal import ValidatedToken

# PyJWT's exceptions, in the words a client can act on (none of them echo the token).
_DESCRIPTIONS = (
    (jwt.ExpiredSignatureError, "The access token expired."),
    (jwt.ImmatureSignatureError, "The access token is not valid yet."),
    (jwt.InvalidAudienceError, "The access token is not meant for this API (wrong audience)."),
    (jwt.InvalidIssuerError, "The access token comes from an untrusted issuer."),
    (jwt.MissingRequiredClaimError, "The access token lacks a required claim."),
    (jwt.InvalidSignatureError, "The access token's signature is invalid."),
    (jwt.InvalidAlgorithmError, "The access token is signed with an algorithm this API does not accept."),
    (jwt.DecodeError, "The access token is malformed."),
)


def describe(exc: jwt.InvalidTokenError) -> str:
    for kind, description in _DESCRIPTIONS:
        if isinstance(exc, kind):
            return description
    return "The access token is invalid."


def client_id_of(claims: dict) -> str | None:
    """Okta's `cid`, RFC 9068's `client_id`, or `azp` (Auth0, Keycloak)."""
    for name in ("cid", "client_id", "azp"):
        if isinstance(claims.get(name), str):
            return claims[name]
    return None


def scopes_of(claims: dict) -> frozenset[str]:
    """Okta's `scp` (an array, or a string), else RFC 9068's space-delimited `scope`."""
    scopes = claims.get("scp", claims.get("scope", ""))
    if isinstance(scopes, str):
        scopes = scopes.split()
    if not isinstance(scopes, list):
        return frozenset()
    return frozenset(scope for scope in scopes if isinstance(scope, str))


def validate_token(token: str) -> ValidatedToken:
    """Check a JWT access token against the trusted issuer; raise `TokenError` or `KeysUnavailable`."""
    issuer = api_settings.ISSUER
    try:
        header = jwt.get_unverified_header(token)
        unverified = jwt.decode(token, options={"verify_signature": False})
    except jwt.InvalidTokenError as exc:
        raise TokenError(describe(exc)) from exc
    # Cheap checks first, so a forged token never costs a request to the issuer.
    if unverified.get("iss") != issuer:
        raise TokenError("The access token comes from an untrusted issuer.")
    algorithm = header.get("alg")
    if algorithm not in api_settings.ALGORITHMS or algorithm == "none" or str(algorithm).startswith("HS"):
        raise TokenError("The access token is signed with an algorithm this API does not accept.")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise TokenError("The access token's header has no key id (kid).")
    key = get_key_set(issuer, api_settings.JWKS_URI).get_key(kid)
    if key.algorithm_name != algorithm:
        raise TokenError("The access token's algorithm does not match its key.")
    try:
        claims = jwt.decode(
            token,
            key.key,
            algorithms=[algorithm],
            audience=api_settings.AUDIENCE,
            issuer=issuer,
            leeway=api_settings.LEEWAY,
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.InvalidTokenError as exc:
        raise TokenError(describe(exc)) from exc
    client_id = client_id_of(claims)
    if client_id is None:
        raise TokenError("The access token names no client (cid, client_id or azp).")
    return ValidatedToken(claims=claims, client_id=client_id, scopes=scopes_of(claims), issuer=issuer)
