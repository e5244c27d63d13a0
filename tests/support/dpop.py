"""DPoP proofs for tests: well-formed ones from `DPoPKey`, and any header and claims signed by any key."""

import time
import uuid

import jwt

from ccproject.dpop import access_token_hash
from ccproject.dpop_signer import DPoPKey

API_URL = "http://testserver/"


def proof_claims(method: str = "GET", url: str = API_URL, *, token: str | None = None, **claims) -> dict:
    """The claims of a good proof; keyword arguments override them, None drops one."""
    base = {"jti": str(uuid.uuid4()), "htm": method, "htu": url, "iat": int(time.time())}
    if token is not None:
        base["ath"] = access_token_hash(token)
    base.update(claims)
    return {name: value for name, value in base.items() if value is not None}


def signed_proof(key: DPoPKey, claims: dict, *, signing_key=None, algorithm: str = "ES256", **header) -> str:
    """`claims` signed as a proof by `key` (or `signing_key`); `header` members override, None drops one."""
    members = {"typ": "dpop+jwt", "jwk": key.public_jwk, **header}
    # PyJWT drops a `typ` of None itself (else it would add "JWT"); the other members here.
    members = {name: value for name, value in members.items() if value is not None or name == "typ"}
    return jwt.encode(claims, signing_key or key.private_key, algorithm=algorithm, headers=members)
