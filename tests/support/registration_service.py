"""A registration service under test: gunicorn in production mode in front of a `FakeOkta`.

The fake org is both the token issuer (tests sign tokens with their own key) and the provider,
so the service's database holds nothing but its registrations: a test may take it away.
"""

import contextlib
import secrets
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from .deployment import Deployment
from .fake_okta import FakeOkta

KID = "registration-test-key"
AUDIENCE = "api://default"


class Registrar:
    """Signs access tokens for the fake issuer (carrying `clients:register hello:read` unless told otherwise:
    a registrar grants only scopes its token carries)."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        self.jwks = {"keys": [{**public, "kid": KID, "alg": "RS256", "use": "sig"}]}

    def token(
        self, issuer: str, client_id: str = "registrar", scopes: tuple[str, ...] = ("clients:register", "hello:read")
    ) -> str:
        now = int(time.time())
        claims = {
            "ver": 1,
            "jti": f"AT.{uuid.uuid4().hex}",
            "iss": issuer,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 3600,
            "cid": client_id,
            "sub": client_id,
            "scp": list(scopes),
        }
        return jwt.encode(claims, self.key, algorithm="RS256", headers={"kid": KID})


def registration_service(directory: Path, okta: FakeOkta, *, database_url: str | None = None, **kwargs) -> Deployment:
    """A migrated (not started) deployment whose issuer and provider are `okta`."""
    deployment = Deployment(
        directory,
        database_url=database_url,
        settings_module="tests.support.registration_settings",
        env={
            "ISSUER": okta.issuer,
            "ORG_URL": okta.base,
            "TOKEN": okta.token,
            "AUDIENCE": AUDIENCE,
            # The cache stays in process memory: the database is the one thing these tests take away.
            "CACHE_URL": "locmemcache://registration-tests",
            "REGISTRATION_THROTTLE_RATE": "",
            "LOG_LEVEL": "INFO",
        },
        **kwargs,
    )
    deployment.env_file.touch(mode=0o600)
    deployment.manage("migrate", "--no-input")
    return deployment


@contextlib.contextmanager
def running_service(
    directory: Path, *, hang_seconds: float = 2.0, env: dict[str, str] | None = None, **kwargs
) -> Iterator[tuple[Deployment, FakeOkta, Registrar]]:
    """A started registration service in front of a started `FakeOkta`, and the registrar whose tokens
    the fake issues; both servers stop on exit. `env` adds to the service's environment."""
    registrar = Registrar()
    okta = FakeOkta(token="00-fake-okta-" + secrets.token_urlsafe(24), jwks=registrar.jwks, hang_seconds=hang_seconds)
    okta.start()
    try:
        deployment = registration_service(directory, okta, **kwargs)
        deployment.extra_env.update(env or {})
        try:
            deployment.start(ready_path="/register/")
            yield deployment, okta, registrar
        finally:
            deployment.stop()
    finally:
        okta.stop()


def register(base: str, token: str, label: str, timeout: float = 30.0) -> requests.Response:
    return requests.post(
        f"{base}/register/",
        json={"label": label, "scopes": ["hello:read"]},
        headers={"Authorization": f"Bearer {token}"},
        timeout=timeout,
    )
