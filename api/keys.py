"""Public signing keys from a JWKS (RFC 7517), each bound to the one algorithm it may verify."""

import re
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from jwt.algorithms import Algorithm, get_default_algorithms

from .conf import SUPPORTED_ALGORITHMS, api_settings

# A sane key id: printable ASCII without quotes, backslashes or spaces, of a bounded length.
# Real issuers use base64url (Okta, Auth0, Keycloak), base64 (Cognito) or hex (Google).
KID = re.compile(r"[\x21\x23-\x5b\x5d-\x7e]{1,256}")

# RFC 8725 §3.1: the algorithm a key type or curve implies when the JWK declares none.
_IMPLIED = {"RSA": "RS256", "P-256": "ES256", "P-384": "ES384", "P-521": "ES512", "Ed25519": "EdDSA", "Ed448": "EdDSA"}
_FAMILY = {"RS": "RSA", "PS": "RSA", "ES": "EC", "Ed": "OKP"}
_CURVE_OF = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}
_PUBLIC_TYPES = {
    "RSA": (rsa.RSAPublicKey,),
    "EC": (ec.EllipticCurvePublicKey,),
    "OKP": (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey),
}
# Private members of RSA, EC and OKP keys (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2).
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth")


class UnusableKey(ValueError):
    """A JWK this validator will not verify with; the message says why and is safe to log."""


@dataclass(frozen=True)
class VerificationKey:
    """A parsed public key, usable only with `algorithm`."""

    kid: str
    algorithm: str
    kty: str
    key: Any = field(repr=False)
    verifier: Algorithm = field(repr=False)

    def verify(self, signing_input: bytes, signature: bytes) -> bool:
        return bool(self.verifier.verify(signing_input, self.key, signature))

    def describe(self) -> dict:
        bits = getattr(self.key, "key_size", None)
        return {"kid": self.kid, "kty": self.kty, "alg": self.algorithm, **({"bits": bits} if bits else {})}


def bound_algorithm(jwk: dict) -> str:
    """The one algorithm a JWK may verify: the one it declares, or the one its type implies."""
    kty = jwk.get("kty")
    if kty not in _PUBLIC_TYPES:
        raise UnusableKey(f"unsupported key type {kty!r}")
    declared = jwk.get("alg")
    implied = _IMPLIED.get("RSA" if kty == "RSA" else jwk.get("crv"))
    algorithm = declared if declared is not None else implied
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise UnusableKey(f"unsupported algorithm {algorithm!r}")
    if _FAMILY[algorithm[:2]] != kty:
        raise UnusableKey(f"algorithm {algorithm} does not fit key type {kty}")
    if kty == "EC" and jwk.get("crv") != _CURVE_OF[algorithm]:
        raise UnusableKey(f"algorithm {algorithm} does not fit curve {jwk.get('crv')!r}")
    if kty == "OKP" and jwk.get("crv") not in ("Ed25519", "Ed448"):
        raise UnusableKey(f"unsupported curve {jwk.get('crv')!r}")
    return algorithm


def parse_jwk(jwk: Any) -> VerificationKey:
    """One usable verification key, or `UnusableKey`."""
    if not isinstance(jwk, dict):
        raise UnusableKey("not a JSON object")
    kid = jwk.get("kid")
    if not isinstance(kid, str) or not KID.fullmatch(kid):
        raise UnusableKey("no usable kid")
    # RFC 7517 §4.2/§4.3: a key for encryption, or not allowed to verify, is not ours to use.
    if jwk.get("use", "sig") != "sig":
        raise UnusableKey(f"kid {kid}: use is not 'sig'")
    key_ops = jwk.get("key_ops")
    if key_ops is not None and (not isinstance(key_ops, list) or "verify" not in key_ops):
        raise UnusableKey(f"kid {kid}: key_ops does not allow 'verify'")
    if any(member in jwk for member in _PRIVATE_MEMBERS):
        raise UnusableKey(f"kid {kid}: private key material published")
    try:
        algorithm = bound_algorithm(jwk)
        verifier = get_default_algorithms()[algorithm]
        key = verifier.from_jwk(jwk)
    except UnusableKey as exc:
        raise UnusableKey(f"kid {kid}: {exc}") from exc
    except Exception as exc:  # a malformed member in any shape: this key is skipped, not the set
        raise UnusableKey(f"kid {kid}: malformed ({type(exc).__name__})") from exc
    kty = jwk["kty"]
    if not isinstance(key, _PUBLIC_TYPES[kty]):
        raise UnusableKey(f"kid {kid}: not a public key")
    if kty == "RSA" and key.key_size < api_settings.MIN_RSA_BITS:
        raise UnusableKey(f"kid {kid}: RSA key of {key.key_size} bits is too weak")
    return VerificationKey(kid=kid, algorithm=algorithm, kty=kty, key=key, verifier=verifier)


@dataclass(frozen=True)
class ParsedKeySet:
    keys: dict[str, VerificationKey]
    ignored: tuple[str, ...]


def parse_jwks(document: Any) -> ParsedKeySet:
    """The usable keys of a JWKS by `kid`, and why the others were ignored.

    A `kid` published twice is ambiguous: the first key wins, as a key set may not repeat it.
    """
    if not isinstance(document, dict) or not isinstance(document.get("keys"), list):
        return ParsedKeySet({}, ("not a JWKS: no 'keys' array",))
    keys: dict[str, VerificationKey] = {}
    ignored = []
    for jwk in document["keys"]:
        try:
            key = parse_jwk(jwk)
        except UnusableKey as exc:
            ignored.append(str(exc))
            continue
        if key.kid in keys:
            ignored.append(f"kid {key.kid}: published twice")
            continue
        keys[key.kid] = key
    return ParsedKeySet(keys, tuple(ignored))
