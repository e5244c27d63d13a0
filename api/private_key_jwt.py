"""Client authentication with a private key (`private_key_jwt`, RFC 7523 §2.2): load the key, sign assertions.

The key comes from a file (PEM, or a private JWK as JSON), never from the environment itself.
Each token request gets a fresh assertion: `iss` = `sub` = the client id, `aud` the token
endpoint, a short `exp`, a random `jti` (RFC 7523 §3), signed with the key's one algorithm.
"""

import json
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from ccproject.dpop import jwk_thumbprint

from .conf import SUPPORTED_ALGORITHMS

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
# Seconds an assertion is valid: enough for clock skew, short enough to be worthless once used.
LIFETIME = 60
MAX_KEY_FILE_BYTES = 64 * 1024
_CURVE_ALGORITHMS = {"secp256r1": "ES256", "secp384r1": "ES384", "secp521r1": "ES512"}


class PrivateKeyError(ValueError):
    """The key file cannot be used; the message names the problem, never the key."""


def _algorithm_for(key: Any) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return "RS256"
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.name in _CURVE_ALGORITHMS:
        return _CURVE_ALGORITHMS[key.curve.name]
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return "EdDSA"
    raise PrivateKeyError("the key must be an RSA, EC (P-256, P-384, P-521) or Ed25519 private key")


@dataclass(frozen=True)
class AssertionSigner:
    """A client's private key, its signing algorithm and `kid`; signs one assertion per token request."""

    key: Any = field(repr=False)
    algorithm: str
    kid: str

    @classmethod
    def from_file(cls, path: str) -> "AssertionSigner":
        """Load a PEM private key (PKCS#8, PKCS#1 or SEC1, unencrypted) or a private JWK (JSON)."""
        try:
            raw = Path(path).read_bytes()[: MAX_KEY_FILE_BYTES + 1]
        except OSError as exc:
            raise PrivateKeyError(f"cannot read {path} ({type(exc).__name__})") from exc
        if len(raw) > MAX_KEY_FILE_BYTES:
            raise PrivateKeyError(f"{path} is larger than any key file")
        return cls.from_jwk(raw) if raw.lstrip().startswith(b"{") else cls.from_pem(raw)

    @classmethod
    def from_pem(cls, raw: bytes) -> "AssertionSigner":
        try:
            key = serialization.load_pem_private_key(raw, password=None)
        except (ValueError, TypeError) as exc:
            raise PrivateKeyError("not an unencrypted PEM private key (or a private JWK)") from exc
        signer = cls(key=key, algorithm=_algorithm_for(key), kid="")
        # Without a kid of its own, a PEM key is named by its RFC 7638 thumbprint (what `public_jwk` publishes).
        return cls(key=key, algorithm=signer.algorithm, kid=jwk_thumbprint(signer.public_jwk(with_kid=False)))

    @classmethod
    def from_jwk(cls, raw: bytes) -> "AssertionSigner":
        try:
            jwk = json.loads(raw)
            if not isinstance(jwk, dict) or "d" not in jwk:
                raise PrivateKeyError("the JWK holds no private key ('d'): give the client its PRIVATE key")
            # RFC 8725 §3.1: an asymmetric signature only; `none` would send an unsigned assertion.
            if "alg" in jwk and jwk["alg"] not in SUPPORTED_ALGORITHMS:
                raise PrivateKeyError(f"the JWK's 'alg' must be one of {', '.join(SUPPORTED_ALGORITHMS)}")
            parsed = jwt.PyJWK(jwk)
        except PrivateKeyError:
            raise
        except (ValueError, TypeError, KeyError, jwt.PyJWTError) as exc:
            raise PrivateKeyError(f"not a usable private JWK ({type(exc).__name__})") from exc
        algorithm = jwk.get("alg") or _algorithm_for(parsed.key)
        kid = jwk.get("kid") or jwk_thumbprint(jwk)
        return cls(key=parsed.key, algorithm=algorithm, kid=str(kid))

    def public_jwk(self, *, with_kid: bool = True) -> dict:
        """The public half as a JWK (what the provider registers), with `kid`, `alg` and `use`."""
        public = jwt.get_algorithm_by_name(self.algorithm).to_jwk(self.key.public_key(), as_dict=True)
        public = {name: value for name, value in public.items() if name != "key_ops"}
        return {**public, "use": "sig", "alg": self.algorithm, **({"kid": self.kid} if with_kid else {})}

    def assertion(self, *, client_id: str, audience: str, now: int | None = None) -> str:
        """A fresh RFC 7523 §3 assertion for one token request to `audience` (the token endpoint URL)."""
        issued = int(time.time()) if now is None else now
        claims = {
            "iss": client_id,
            "sub": client_id,
            "aud": audience,
            "iat": issued,
            "exp": issued + LIFETIME,
            "jti": secrets.token_urlsafe(24),
        }
        return jwt.encode(claims, self.key, algorithm=self.algorithm, headers={"kid": self.kid})

    def form(self, *, client_id: str, audience: str) -> dict[str, str]:
        """The token request's client authentication parameters (RFC 7523 §2.2)."""
        return {
            "client_assertion_type": ASSERTION_TYPE,
            "client_assertion": self.assertion(client_id=client_id, audience=audience),
        }
