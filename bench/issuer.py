"""The embedded issuer as a benchmark fixture: a migrated private database, a client, tokens."""

import secrets
from pathlib import Path

import jwt
import requests

from .harness import django_env, manage, setup_django

CLIENT_ID = "bench-client"


class EmbeddedIssuer:
    """The project's own authorization server, served by gunicorn from a throwaway SQLite file.

    `prepare()` migrates the database and creates a client; tokens for the many-token runs
    are minted in this process with the issuer's current signing key (as its token endpoint
    does), because a token request per token would dominate the run.
    """

    def __init__(self, workdir: Path, port: int):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.issuer = f"{self.url}/oauth2/default"
        self.secret = secrets.token_urlsafe(32)
        self.env = django_env(workdir, ISSUER=self.issuer)
        self._signer = None

    def prepare(self) -> "EmbeddedIssuer":
        manage(self.env, "migrate", "--no-input", "-v", "0")
        manage(self.env, "createcachetable")
        setup_django(self.env)
        from authserver.keys import ensure_signing_key, load_private_key
        from authserver.service_clients import create_service_client

        # As the Apps API and `bootstrap` create clients: the secret kept only hashed, in its own rows.
        create_service_client(label="Benchmark client", scopes=["hello:read"], client_id=CLIENT_ID, secret=self.secret)
        key = ensure_signing_key()
        self._signer = (key.kid, key.algorithm, load_private_key(key.kid, key.private_key_pem))
        return self

    @property
    def signing_key(self):
        """The private key tokens are signed with (`bench.micro.reference_calls` verifies with its public half)."""
        return self._signer[2]

    def mint(self, **extra_claims) -> str:
        """A token of the issuer's shape; `extra_claims` (a DPoP `cnf`) are added."""
        from authserver.tokens import build_claims

        kid, algorithm, private_key = self._signer
        claims = {**build_claims(issuer=self.issuer, client_id=CLIENT_ID, scopes=["hello:read"]), **extra_claims}
        return jwt.encode(claims, private_key, algorithm=algorithm, headers={"kid": kid, "typ": "at+jwt"})

    def token(self) -> str:
        """A token from the real token endpoint (so the issuer can also introspect it)."""
        response = requests.post(
            f"{self.issuer}/v1/token",
            data={"grant_type": "client_credentials", "scope": "hello:read"},
            auth=(CLIENT_ID, self.secret),
            timeout=10,
        )
        response.raise_for_status()
        return response.json()["access_token"]

    def introspection_url(self, token: str) -> str:
        """The issuer's RFC 7662 endpoint, checked to answer `active` for `token`."""
        url = f"{self.issuer}/v1/introspect"
        response = requests.post(url, data={"token": token}, auth=(CLIENT_ID, self.secret), timeout=10)
        if response.status_code != 200 or response.json().get("active") is not True:
            raise RuntimeError(f"{url} does not introspect the token: HTTP {response.status_code}")
        return url
