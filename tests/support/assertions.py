"""Client assertions for tests (RFC 7523 §3), built with PyJWT so every claim and header can be bent."""

import json
import time
import uuid

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa

ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_URL = "http://testserver/oauth2/default/v1/token"


def rsa_private_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def ec_private_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def public_jwk(private_key, kid: str, alg: str | None = None) -> dict:
    """The public JWK of `private_key`, with `kid` (and `alg` when given)."""
    if isinstance(private_key, rsa.RSAPrivateKey):
        jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key()))
    else:
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(private_key.public_key()))
    jwk = {**jwk, "kid": kid, "use": "sig"}
    if alg:
        jwk["alg"] = alg
    return jwk


def private_jwk(private_key, kid: str) -> dict:
    """The whole JWK, private members included: what a caller must never send."""
    algorithm = (
        jwt.algorithms.RSAAlgorithm if isinstance(private_key, rsa.RSAPrivateKey) else jwt.algorithms.ECAlgorithm
    )
    return {**json.loads(algorithm.to_jwk(private_key)), "kid": kid}


def make_assertion(
    private_key,
    client_id: str,
    *,
    kid: str | None = "key-1",
    algorithm: str = "RS256",
    audience=TOKEN_URL,
    headers: dict | None = None,
    **claims,
) -> str:
    """A signed assertion; keyword claims override the defaults (None drops one)."""
    now = int(time.time())
    payload = {
        "iss": client_id,
        "sub": client_id,
        "aud": audience,
        "iat": now,
        "exp": now + 60,
        "jti": uuid.uuid4().hex,
    }
    payload.update(claims)
    payload = {name: value for name, value in payload.items() if value is not None}
    header = {**({"kid": kid} if kid else {}), **(headers or {})}
    return jwt.encode(payload, private_key, algorithm=algorithm, headers=header)


def assertion_form(assertion: str, **extra) -> dict:
    return {
        "grant_type": "client_credentials",
        "client_assertion_type": ASSERTION_TYPE,
        "client_assertion": assertion,
        **extra,
    }
