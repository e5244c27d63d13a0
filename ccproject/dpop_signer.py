"""The client side of DPoP (RFC 9449 §4.2): a key pair that signs a fresh proof for every request."""

import json
import time
import uuid
from collections.abc import Callable
from urllib.parse import urlsplit, urlunsplit

import jwt
from cryptography.hazmat.primitives.asymmetric import ec

from .dpop import access_token_hash, jwk_thumbprint


class DPoPKey:
    """An ES256 key pair (new per instance unless `private_key` is given) and the proofs it signs.

    The private key never leaves the object; `public_jwk` goes in every proof's header and
    `thumbprint` is what a bound token's `cnf.jkt` names (RFC 7638).
    """

    algorithm = "ES256"

    def __init__(self, private_key: ec.EllipticCurvePrivateKey | None = None, timer: Callable[[], float] = time.time):
        self.private_key = private_key or ec.generate_private_key(ec.SECP256R1())
        self.timer = timer
        jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.private_key.public_key()))
        self.public_jwk = {name: jwk[name] for name in ("kty", "crv", "x", "y")}
        self.thumbprint = jwk_thumbprint(self.public_jwk)

    def proof(self, method: str, url: str, *, access_token: str | None = None, nonce: str | None = None) -> str:
        """A new proof for one request: `htm`, `htu` (without query and fragment), `iat`, a unique `jti`.

        With `access_token`, its hash (`ath`, RFC 9449 §4.2) for a call to a resource server;
        with `nonce`, the server's latest `DPoP-Nonce`.
        """
        parts = urlsplit(url)
        claims = {
            "jti": str(uuid.uuid4()),
            "htm": method.upper(),
            "htu": urlunsplit((parts.scheme, parts.netloc, parts.path or "/", "", "")),
            "iat": int(self.timer()),
        }
        if access_token is not None:
            claims["ath"] = access_token_hash(access_token)
        if nonce is not None:
            claims["nonce"] = nonce
        headers = {"typ": "dpop+jwt", "jwk": self.public_jwk}
        return jwt.encode(claims, self.private_key, algorithm=self.algorithm, headers=headers)
