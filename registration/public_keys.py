"""A caller's public keys for a `private_key_jwt` client (RFC 7517 JWK or JWKS): only public halves pass.

The provider checks the keys properly (sizes, curves, algorithms); this refuses what must never
travel further: a private or symmetric key, which is neither stored, nor logged, nor echoed.
"""

from ccproject.dpop import PRIVATE_MEMBERS

from .exceptions import InvalidRegistration

MAX_KEYS = 50
# The members a public signing key keeps (RFC 7517 §4, RFC 7518 §6.2.1, §6.3.1, RFC 8037 §2).
PUBLIC_MEMBERS = ("kty", "kid", "alg", "use", "n", "e", "crv", "x", "y")
PRIVATE_KEY_SENT = "jwks: this is a private key. Send only the public key (keep the private key where the client runs)."


def clean_public_key(jwk) -> dict:
    """One public JWK with a `kid`; raises `InvalidRegistration` (the message never echoes the key)."""
    if not isinstance(jwk, dict):
        raise InvalidRegistration("jwks: each key must be a JSON object (a JWK).")
    if PRIVATE_MEMBERS & set(jwk):
        raise InvalidRegistration(PRIVATE_KEY_SENT)
    if jwk.get("kty") not in ("RSA", "EC", "OKP"):
        raise InvalidRegistration("jwks: each key needs 'kty' RSA, EC or OKP.")
    kid = jwk.get("kid")
    if not isinstance(kid, str) or not kid or len(kid) > 256 or not kid.isprintable():
        raise InvalidRegistration("jwks: each key needs a 'kid' (1 to 256 printable characters).")
    public = {name: jwk[name] for name in PUBLIC_MEMBERS if name in jwk}
    if not all(isinstance(value, str) for value in public.values()):
        raise InvalidRegistration("jwks: the members of a key are strings.")
    return public


def clean_public_keys(value) -> list[dict]:
    """A JWK or a JWKS (`{"keys": [...]}`) as a list of public keys with distinct `kid`s."""
    keys = value.get("keys") if isinstance(value, dict) and "keys" in value else [value]
    if not isinstance(keys, list) or not keys:
        raise InvalidRegistration("jwks: send a public JWK, or a JWKS with a non-empty 'keys' array.")
    if len(keys) > MAX_KEYS:
        raise InvalidRegistration(f"jwks: at most {MAX_KEYS} keys.")
    cleaned = [clean_public_key(jwk) for jwk in keys]
    if len({jwk["kid"] for jwk in cleaned}) != len(cleaned):
        raise InvalidRegistration("jwks: every key needs its own 'kid'.")
    return cleaned
