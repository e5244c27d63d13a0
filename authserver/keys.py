"""Signing keys: creation, the current signer, and the published JWKS (RFC 7517)."""

import base64
import hashlib
import json
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from .models import SigningKey


def _b64uint(value: int) -> str:
    """RFC 7518 §6.3.1: an unsigned big-endian integer, base64url without padding."""
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _thumbprint(public_jwk: dict) -> str:
    """RFC 7638 JWK thumbprint of an RSA key, used as its `kid`."""
    canonical = json.dumps({"e": public_jwk["e"], "kty": "RSA", "n": public_jwk["n"]}, separators=(",", ":"))
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def create_signing_key(key_size: int = 2048) -> SigningKey:
    """Generate and store a new RSA signing key; the newest key signs."""
    private_key = rsa.generate_private_key(public_exponent=65537, key_size=key_size)
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    numbers = private_key.public_key().public_numbers()
    kid = _thumbprint({"n": _b64uint(numbers.n), "e": _b64uint(numbers.e)})
    return SigningKey.objects.create(kid=kid, algorithm="RS256", private_key_pem=pem)


def ensure_signing_key() -> SigningKey:
    """Return the current signing key, creating the first one if there is none."""
    return current_signing_key() or create_signing_key()


def current_signing_key() -> SigningKey | None:
    return SigningKey.objects.filter(deactivated_at__isnull=True, retired_at__isnull=True).first()


@lru_cache(maxsize=32)
def load_private_key(kid: str, pem: str) -> rsa.RSAPrivateKey:
    """Parse a PEM once per process: key loading validates the key and costs milliseconds."""
    return serialization.load_pem_private_key(pem.encode(), password=None)


def public_jwk(key: SigningKey) -> dict:
    numbers = load_private_key(key.kid, key.private_key_pem).public_key().public_numbers()
    return {
        "kty": "RSA",
        "alg": key.algorithm,
        "kid": key.kid,
        "use": "sig",
        "e": _b64uint(numbers.e),
        "n": _b64uint(numbers.n),
    }


def published_jwks() -> dict:
    """The JWKS document: every key whose tokens may still be in use."""
    keys = SigningKey.objects.filter(retired_at__isnull=True)
    return {"keys": [public_jwk(key) for key in keys]}
