"""DPoP proofs (RFC 9449 §4): parsed and checked without request objects, for the API and the embedded issuer."""

import binascii
import hashlib
import hmac
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from . import strict_json
from .b64url import b64url_decode, b64url_encode
from .errors import ClientFacingError
from .htu import normalize_htu

# RFC 9449 §4.2: the proof's media type.
PROOF_TYPE = "dpop+jwt"
# Every asymmetric JWS algorithm a proof may use (RFC 7518 §3, RFC 8037 §3.1, and RFC 9864's
# fully-specified Ed25519 and Ed448, which panva's `dpop` and oidc-provider use); settings narrow it.
PROOF_ALGORITHMS = (
    "ES256",
    "ES384",
    "ES512",
    "EdDSA",
    "Ed25519",
    "Ed448",
    "PS256",
    "PS384",
    "PS512",
    "RS256",
    "RS384",
    "RS512",
)
# A proof carries one public key and a few claims: an 8192-bit RSA key fits well within this.
MAX_PROOF_BYTES = 8192
MAX_RSA_BITS = 8192
MAX_JTI_LENGTH = 256
# RFC 7638 §3.2: the members of the thumbprint's input, per key type.
THUMBPRINT_MEMBERS = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}
# Private members (RFC 7518 §6.2.2, §6.3.2; RFC 8037 §2) and the symmetric key member (§6.4.1).
PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_ECDSA = {f"ES{bits}": ec.ECDSA(digest()) for bits, digest in _HASHES.items()}
_CURVES = {
    "P-256": (ec.SECP256R1, 32, "ES256"),
    "P-384": (ec.SECP384R1, 48, "ES384"),
    "P-521": (ec.SECP521R1, 66, "ES512"),
}
_EDWARDS = {"Ed25519": (ed25519.Ed25519PublicKey, 32), "Ed448": (ed448.Ed448PublicKey, 57)}
# Decoded keys of proofs whose signature was good, by their header segment: a client signs every
# proof with one key, so its next proofs skip JSON, key construction and the thumbprint.
_KNOWN_KEYS: dict[str, "ProofKey"] = {}
MAX_KNOWN_KEYS = 1024


class ProofError(ClientFacingError):
    """A proof that cannot be accepted (RFC 9449 §7.1 `invalid_dpop_proof`)."""

    error = "invalid_dpop_proof"


class NonceRequired(ProofError):
    """The proof lacks the server's current nonce (RFC 9449 §8, §9 `use_dpop_nonce`)."""

    error = "use_dpop_nonce"


@dataclass(frozen=True)
class ProofRules:
    """What a proof must meet: its algorithms, how old it may be, and the clock skew tolerated."""

    algorithms: frozenset[str]
    max_age: float = 60.0
    leeway: float = 5.0
    min_rsa_bits: int = 2048

    @property
    def replay_window(self) -> float:
        """How long a proof's `jti` must be remembered: while its `iat` can still be accepted."""
        return self.max_age + 2 * self.leeway


@dataclass(frozen=True)
class ProofKey:
    algorithm: str
    thumbprint: str
    key: Any
    bits: int


@dataclass(frozen=True)
class Proof:
    """A checked proof: the RFC 7638 thumbprint of its key (`jkt`), its `jti`, `iat` and `nonce`."""

    thumbprint: str
    jti: str
    issued_at: float
    nonce: str | None
    algorithm: str


def _json_object(segment: str, what: str) -> dict:
    try:
        value = strict_json.loads(b64url_decode(segment).decode("utf-8"))
    except (binascii.Error, UnicodeError, ValueError, RecursionError) as exc:
        raise ProofError(f"The DPoP proof's {what} is not base64url-encoded JSON.") from exc
    if not isinstance(value, dict):
        raise ProofError(f"The DPoP proof's {what} is not a JSON object.")
    return value


def jwk_thumbprint(jwk: dict) -> str:
    """RFC 7638: base64url SHA-256 of the key's required members, sorted, without whitespace."""
    members = THUMBPRINT_MEMBERS.get(jwk.get("kty"))
    if members is None or not all(isinstance(jwk.get(name), str) for name in members):
        raise ProofError("The DPoP proof's key (jwk) is not a usable public key.")
    canonical = json.dumps({name: jwk[name] for name in members}, separators=(",", ":"), sort_keys=True)
    return b64url_encode(hashlib.sha256(canonical.encode()).digest())


def access_token_hash(token: str) -> str:
    """RFC 9449 §4.2 `ath`: base64url SHA-256 of the access token's ASCII bytes."""
    return b64url_encode(hashlib.sha256(token.encode("ascii", "surrogateescape")).digest())


def _public_key(jwk: dict, alg: str, rules: ProofRules) -> tuple[Any, int]:
    """The public key a JWK describes and its size in bits, for `alg` only; `ProofError` otherwise."""
    kty = jwk.get("kty")
    try:
        if kty == "EC" and alg.startswith("ES"):
            curve, size, curve_alg = _CURVES.get(jwk.get("crv"), (None, 0, None))
            x, y = b64url_decode(jwk["x"]), b64url_decode(jwk["y"])
            if curve_alg != alg or len(x) != size or len(y) != size:
                raise ProofError(f"The DPoP proof's key does not fit {alg} (curve {jwk.get('crv')!r}).")
            return ec.EllipticCurvePublicKey.from_encoded_point(curve(), b"\x04" + x + y), size * 8
        if kty == "RSA" and alg[:2] in ("RS", "PS"):
            n, e = (int.from_bytes(b64url_decode(jwk[name]), "big") for name in ("n", "e"))
            bits = n.bit_length()
            if not rules.min_rsa_bits <= bits <= MAX_RSA_BITS or e < 3 or e % 2 == 0 or e.bit_length() > 64:
                raise ProofError(f"The DPoP proof's RSA key must have {rules.min_rsa_bits} to {MAX_RSA_BITS} bits.")
            return rsa.RSAPublicNumbers(e, n).public_key(), bits
        if kty == "OKP" and alg in ("EdDSA", "Ed25519", "Ed448"):
            cls, size = _EDWARDS.get(jwk.get("crv"), (None, 0))
            x = b64url_decode(jwk["x"])
            if cls is None or len(x) != size or alg not in ("EdDSA", jwk.get("crv")):
                raise ProofError("The DPoP proof's key is not an Ed25519 or Ed448 public key.")
            return cls.from_public_bytes(x), size * 8
    except ProofError:
        raise
    except (KeyError, TypeError, ValueError, binascii.Error, UnicodeError) as exc:
        raise ProofError("The DPoP proof's key (jwk) is malformed.") from exc
    raise ProofError(f"The DPoP proof's key type {kty!r} does not fit its algorithm {alg}.")


def _proof_key(header: dict, rules: ProofRules) -> ProofKey:
    """Check a proof's header (RFC 9449 §4.3 steps 4-7) and build its key."""
    if header.get("typ") != PROOF_TYPE:
        raise ProofError("The DPoP proof's type (typ) must be 'dpop+jwt'.")
    alg = header.get("alg")
    if not isinstance(alg, str) or alg not in rules.algorithms:
        raise ProofError("The DPoP proof is signed with an algorithm this server does not accept.")
    # RFC 7515 §4.1.11: no extension is understood here; RFC 9449 §4.2: the key is in `jwk`, nowhere else.
    if "crit" in header or "b64" in header:
        raise ProofError("The DPoP proof uses a critical header extension this server does not support.")
    if any(name in header for name in ("x5c", "x5u", "jku", "kid")):
        raise ProofError("The DPoP proof must carry its public key in 'jwk' only (no x5c, x5u, jku or kid).")
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        raise ProofError("The DPoP proof has no public key (jwk).")
    if not PRIVATE_MEMBERS.isdisjoint(jwk):
        raise ProofError("The DPoP proof's jwk holds private key material; send the public key only.")
    if jwk.get("alg", alg) != alg:
        raise ProofError("The DPoP proof's jwk is for another algorithm.")
    key, bits = _public_key(jwk, alg, rules)
    return ProofKey(algorithm=alg, thumbprint=jwk_thumbprint(jwk), key=key, bits=bits)


def known_proof_id(proof: str) -> tuple[str, str] | None:
    """`(thumbprint, jti)` of a proof whose key signed a good proof in this process before; None otherwise.

    Nothing here is checked: it names the replay entry a caller may ask for ahead of `check_proof`
    (whose answer it uses only for the proof `check_proof` then returns, with the same pair).
    """
    if not isinstance(proof, str) or len(proof) > MAX_PROOF_BYTES:
        return None
    header, _, rest = proof.partition(".")
    key = _KNOWN_KEYS.get(header)
    if key is None:
        return None
    try:
        jti = _json_object(rest.partition(".")[0], "claims").get("jti")
    except ProofError:
        return None
    return (key.thumbprint, jti) if isinstance(jti, str) and 0 < len(jti) <= MAX_JTI_LENGTH else None


def verify_signature(key: ProofKey, signing_input: bytes, signature: bytes) -> bool:
    """The JWS signature (RFC 7518 §3.3-3.5, RFC 8037 §3.1) by `key` for its algorithm."""
    alg = key.algorithm
    try:
        if alg.startswith("ES"):
            size = (key.bits + 7) // 8
            if len(signature) != 2 * size:
                return False
            der = encode_dss_signature(int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big"))
            key.key.verify(der, signing_input, _ECDSA[alg])
        elif alg.startswith("RS"):
            key.key.verify(signature, signing_input, padding.PKCS1v15(), _HASHES[alg[2:]]())
        elif alg.startswith("PS"):
            digest = _HASHES[alg[2:]]()
            key.key.verify(signature, signing_input, padding.PSS(padding.MGF1(digest), digest.digest_size), digest)
        else:
            key.key.verify(signature, signing_input)
    except InvalidSignature:
        return False
    return True


def _number(claims: dict, name: str) -> float:
    value = claims.get(name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ProofError(f"The DPoP proof's '{name}' claim is missing or not a number.")
    return float(value)


def check_proof(
    proof: str,
    *,
    method: str,
    url: str,
    rules: ProofRules,
    now: float,
    access_token: str | None = None,
    nonce_is_valid: Callable[[str], bool] | None = None,
) -> Proof:
    """Check one `DPoP` header value against the request it came with (RFC 9449 §4.3).

    `url` is the request's absolute URI; query and fragment are ignored on both sides. With
    `access_token` the proof must carry its hash (`ath`, §7); with `nonce_is_valid` it must
    carry a nonce that function accepts, else `NonceRequired`. Raises `ProofError`. Replay is
    the caller's to refuse (`ccproject.replay`), after this returned.
    """
    if not isinstance(proof, str) or len(proof) > MAX_PROOF_BYTES:
        raise ProofError("The DPoP proof is too large.")
    parts = proof.split(".")
    if len(parts) != 3 or not all(parts):
        raise ProofError("The DPoP proof is not a signed JWT (three dot-separated parts).")
    key = _KNOWN_KEYS.get(parts[0])
    if key is None:
        key = _proof_key(_json_object(parts[0], "header"), rules)
    elif key.algorithm not in rules.algorithms or (key.algorithm[:2] in ("RS", "PS") and key.bits < rules.min_rsa_bits):
        raise ProofError("The DPoP proof is signed with an algorithm this server does not accept.")
    claims = _json_object(parts[1], "claims")
    try:
        signature = b64url_decode(parts[2])
    except (binascii.Error, UnicodeError) as exc:
        raise ProofError("The DPoP proof's signature is not base64url.") from exc
    if not verify_signature(key, f"{parts[0]}.{parts[1]}".encode("ascii"), signature):
        raise ProofError("The DPoP proof's signature does not verify with its jwk.")
    if parts[0] not in _KNOWN_KEYS:
        if len(_KNOWN_KEYS) >= MAX_KNOWN_KEYS:
            _KNOWN_KEYS.clear()
        _KNOWN_KEYS[parts[0]] = key
    return _check_claims(
        claims,
        key,
        method=method,
        url=url,
        rules=rules,
        now=now,
        access_token=access_token,
        nonce_is_valid=nonce_is_valid,
    )


def _check_claims(claims: dict, key: ProofKey, *, method, url, rules, now, access_token, nonce_is_valid) -> Proof:
    """RFC 9449 §4.3 steps 8-12 on the claims of a proof whose signature is good."""
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH:
        raise ProofError(f"The DPoP proof needs a 'jti' of 1 to {MAX_JTI_LENGTH} characters.")
    if claims.get("htm") != method:
        raise ProofError(f"The DPoP proof is for another HTTP method (htm must be {method}).")
    htu = claims.get("htu")
    # The same text is the same URI; anything else is compared in normal form (RFC 3986 §6.2).
    if not isinstance(htu, str) or (htu != url and normalize_htu(htu) != normalize_htu(url)):
        raise ProofError("The DPoP proof is for another URL (htu).")
    issued_at = _number(claims, "iat")
    if issued_at > now + rules.leeway:
        raise ProofError("The DPoP proof was issued in the future (iat); check the clocks.")
    if issued_at < now - rules.max_age - rules.leeway:
        raise ProofError("The DPoP proof is too old (iat); make a new one for every request.")
    if access_token is not None:
        ath = claims.get("ath")
        if not isinstance(ath, str) or not hmac.compare_digest(ath.encode(), access_token_hash(access_token).encode()):
            raise ProofError("The DPoP proof is not for this access token (ath).")
    nonce = claims.get("nonce")
    if nonce is not None and not isinstance(nonce, str):
        raise ProofError("The DPoP proof's nonce is not a string.")
    if nonce_is_valid is not None and (nonce is None or not nonce_is_valid(nonce)):
        raise NonceRequired("Use the server's DPoP nonce (the DPoP-Nonce header) in the proof.")
    return Proof(thumbprint=key.thumbprint, jti=jti, issued_at=issued_at, nonce=nonce, algorithm=key.algorithm)
