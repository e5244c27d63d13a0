"""Independent verifiers of access tokens: `jose` (Node, verify.mjs) and `joserfc` (Python)."""

import json

import requests
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from .node import run_node

TIMEOUT = 10


def verify_with_jose(tokens: list[str], *, issuer: str, audience: str) -> list[dict]:
    """One Node process verifies every token: `{"ok": true, ...}` or `{"ok": false, "code": ...}` each."""
    out = run_node("verify.mjs", "--issuer", issuer, "--audience", audience, stdin="".join(t + "\n" for t in tokens))
    results = [json.loads(line) for line in out.splitlines() if line.strip()]
    assert len(results) == len(tokens), out
    return results


class JoserfcVerifier:
    """What a resource server written on joserfc checks: discovery, JWKS, signature, claims, typ.

    `verify` returns the claims or raises `JoseError`; `ValueError` for a `typ` RFC 9068 §4 refuses.
    """

    def __init__(self, issuer: str, audience: str):
        self.issuer = issuer
        self.audience = audience
        self.key_set: KeySet | None = None  # fetched on first use, as a resource server would

    def _fetch_jwks(self) -> dict:
        # RFC 8414 §3.1: the well-known segment goes between the host and the issuer's path.
        scheme, _, rest = self.issuer.partition("://")
        host, _, path = rest.partition("/")
        metadata_url = f"{scheme}://{host}/.well-known/oauth-authorization-server/{path}".rstrip("/")
        metadata = requests.get(metadata_url, timeout=TIMEOUT).json()
        if metadata.get("issuer") != self.issuer:
            raise ValueError(f"{metadata_url} names another issuer")
        return requests.get(metadata["jwks_uri"], timeout=TIMEOUT).json()

    def verify(self, token: str) -> dict:
        if self.key_set is None:
            self.key_set = KeySet.import_key_set(self._fetch_jwks())
        decoded = jwt.decode(token, self.key_set, algorithms=["RS256"])
        if decoded.header.get("typ", "").lower() not in ("at+jwt", "application/at+jwt"):
            raise ValueError(f"typ {decoded.header.get('typ')!r} is not at+jwt")
        registry = jwt.JWTClaimsRegistry(
            leeway=0,
            iss={"essential": True, "value": self.issuer},
            aud={"essential": True, "value": self.audience},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            client_id={"essential": True},
        )
        registry.validate(decoded.claims)
        return decoded.claims


__all__ = ["JoseError", "JoserfcVerifier", "verify_with_jose"]
