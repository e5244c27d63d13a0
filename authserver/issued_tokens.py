"""Verifying this server's own access tokens, for introspection (RFC 7662) and revocation (RFC 7009)."""

from datetime import UTC, datetime

import jwt
from django.utils import timezone

from .conf import authserver_settings
from .keys import load_private_key
from .models import Client, RevokedToken, SigningKey

# Longer strings are not tokens this server issued; refuse them before parsing.
MAX_TOKEN_BYTES = 8192


def verify_own_token(token: str, issuer: str) -> dict | None:
    """The claims of an unexpired token this server signed for `issuer` with a published key, else `None`.

    A self-contained JWT is checked as a resource server would check it (RFC 9068 §4):
    `typ` at+jwt, the `kid`'s own algorithm, signature, `iss`, `aud`, `exp`.
    """
    if not isinstance(token, str) or len(token) > MAX_TOKEN_BYTES:
        return None
    try:
        header = jwt.get_unverified_header(token)
        kid = header.get("kid")
        if header.get("typ") != "at+jwt" or not isinstance(kid, str):
            return None
        key = SigningKey.objects.published().filter(kid=kid).first()
        if key is None or header.get("alg") != key.algorithm:
            return None
        public_key = load_private_key(key.kid, key.private_key_pem).public_key()
        return jwt.decode(
            token,
            public_key,
            algorithms=[key.algorithm],
            issuer=issuer,
            # Whatever this server audiences its tokens to: AUDIENCE, or a resource (RFC 8707).
            audience=[authserver_settings.AUDIENCE, *authserver_settings.RESOURCES],
            options={"require": ["exp", "iat", "jti", "iss", "aud"]},
        )
    except (jwt.PyJWTError, ValueError, TypeError):
        return None


def is_revoked(jti: str) -> bool:
    return RevokedToken.objects.filter(jti=jti).exists()


def client_is_active(client_id: str) -> bool:
    return Client.objects.filter(client_id=client_id, status=Client.STATUS_ACTIVE).exists()


def active_claims(token: str, issuer: str) -> dict | None:
    """The claims of a token that is active right now (RFC 7662 §2.2): valid, not revoked, its client active."""
    claims = verify_own_token(token, issuer)
    if claims is None or is_revoked(claims["jti"]) or not client_is_active(str(claims.get("cid", ""))):
        return None
    return claims


def revoke(claims: dict) -> None:
    """Record a token's `jti` as revoked until it would have expired anyway."""
    expires_at = datetime.fromtimestamp(claims["exp"], tz=UTC)
    RevokedToken.objects.get_or_create(
        jti=claims["jti"], defaults={"client_id": str(claims.get("cid", "")), "expires_at": expires_at}
    )


def prune_revocations() -> int:
    """Forget revocations of tokens that have expired; returns how many."""
    deleted, _ = RevokedToken.objects.filter(expires_at__lt=timezone.now()).delete()
    return deleted
