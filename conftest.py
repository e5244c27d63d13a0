"""Shared fixtures: a signing key, its JWKS, a token factory, a faked issuer and an API client."""

import base64
import gc
import json
import logging
import os
import threading
import time
import uuid

import jwt
import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.cache import caches
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from jwt.algorithms import get_default_algorithms
from rest_framework.test import APIClient

from api.jwks import reset_key_sets
from tests.support.secret_watch import SecretWatch

ISSUER = "https://issuer.test/oauth2/default"
AUDIENCE = "api://default"
KID = "test-key-1"

# Property tests: `ci` (the default) is derandomized, so every run tries the same examples
# in bounded time; `HYPOTHESIS_PROFILE=fuzz` is the long randomized run (`make fuzz`).
_hypothesis_common = {
    "deadline": None,  # examples are bounded by tests.support.limits instead of wall clock
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    "print_blob": True,
}
hypothesis_settings.register_profile("ci", max_examples=120, derandomize=True, database=None, **_hypothesis_common)
hypothesis_settings.register_profile("dev", max_examples=300, **_hypothesis_common)
hypothesis_settings.register_profile("fuzz", max_examples=20_000, **_hypothesis_common)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture(scope="session")
def rsa_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def public_jwk(private_key, kid: str = KID, alg: str = "RS256") -> dict:
    jwk = jwt.algorithms.RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    return {**jwk, "kid": kid, "alg": alg, "use": "sig"}


@pytest.fixture
def jwks(rsa_key) -> dict:
    return {"keys": [public_jwk(rsa_key)]}


@pytest.fixture(autouse=True)
def _isolated(db, settings):
    """Every test starts with an empty shared cache, no in-process keys, and a known issuer."""
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": ISSUER, "AUDIENCE": AUDIENCE, "JWKS_URI": None}
    for alias in settings.CACHES:
        caches[alias].clear()
    reset_key_sets()
    yield
    reset_key_sets()


@pytest.fixture
def make_token(rsa_key):
    """Build a signed access token; keyword arguments override or (with None) drop claims."""

    def factory(*, key=None, headers: dict | None = None, algorithm: str = "RS256", **claims) -> str:
        now = int(time.time())
        payload = {
            "ver": 1,
            "jti": f"AT.{uuid.uuid4().hex}",
            "iss": ISSUER,
            "aud": AUDIENCE,
            "iat": now,
            "exp": now + 3600,
            "cid": "client-1",
            "scp": ["hello:read"],
            "sub": "client-1",
        }
        payload.update(claims)
        payload = {name: value for name, value in payload.items() if value is not None}
        return jwt.encode(payload, key or rsa_key, algorithm=algorithm, headers={"kid": KID, **(headers or {})})

    return factory


@pytest.fixture
def issuer_http(jwks):
    """The issuer faked at the transport layer: RFC 8414 metadata and the JWKS."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(
            "https://issuer.test/.well-known/oauth-authorization-server/oauth2/default",
            json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/v1/keys"},
        )
        mock.get(f"{ISSUER}/v1/keys", json=jwks, headers={"Cache-Control": "max-age=3600"})
        yield mock


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


class Clock:
    """An injected clock: `timer` and `sleep` for `KeySet` and the authentication class."""

    def __init__(self, now: float | None = None):
        self.now = time.time() if now is None else now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch) -> Clock:
    """Time for the key-set cache and the validator, advanced by hand (tests never sleep)."""
    from api.authentication import OAuthClientCredentialsAuthentication
    from api.jwks import KeySet

    fake = Clock()
    monkeypatch.setattr(KeySet, "timer", staticmethod(fake))
    monkeypatch.setattr(KeySet, "sleep", staticmethod(fake.sleep))
    monkeypatch.setattr(OAuthClientCredentialsAuthentication, "timer", staticmethod(fake))
    return fake


def b64url(data: bytes | str | dict | list) -> str:
    if isinstance(data, dict | list):
        data = json.dumps(data)
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_token(header: dict | str, claims: dict | str, key=None, alg: str | None = None) -> str:
    """A JWS with exactly this header and payload (strings are taken verbatim), signed with `key`.

    `alg` names the algorithm that really signs (default: the header's); no key means no signature.
    """
    signing_input = f"{b64url(header)}.{b64url(claims)}"
    if key is None:
        return signing_input + "."
    algorithm = get_default_algorithms()[alg or header["alg"]]
    signature = algorithm.sign(signing_input.encode(), algorithm.prepare_key(key))
    return f"{signing_input}.{b64url(signature)}"


def claims_at(now: float, **claims) -> dict:
    """The default access-token claims at `now`; None drops a claim."""
    base = {
        "ver": 1,
        "jti": f"AT.{uuid.uuid4().hex}",
        "iss": ISSUER,
        "aud": AUDIENCE,
        "iat": int(now),
        "exp": int(now) + 3600,
        "cid": "client-1",
        "scp": ["hello:read"],
        "sub": "client-1",
    }
    base.update(claims)
    return {name: value for name, value in base.items() if value is not None}


@pytest.fixture(scope="session", autouse=True)
def secret_watch():
    """Fail the run if any in-process log record held a client secret or a signed token."""
    import authserver.service_clients

    watch = SecretWatch()
    generate = authserver.service_clients.generate_client_secret
    authserver.service_clients.generate_client_secret = watch.recording(generate)
    root = logging.getLogger()
    root.addHandler(watch)
    try:
        yield watch
    finally:
        still_watching = watch in root.handlers
        root.removeHandler(watch)
        authserver.service_clients.generate_client_secret = generate
    assert still_watching, "logging was reconfigured during the run: the secret watch saw only part of it"
    assert not watch.leaks, watch.report()


@pytest.fixture(scope="module")
def private_redis():
    """A redis-server of the test module's own on a free loopback port, stopped after the module.

    Skips without redis-server, and fails under CI, which installs it (`.ci/run`).
    """
    from tests.support.redis_server import start_private_redis

    server = start_private_redis()
    yield server
    server.cleanup()


@pytest.fixture(scope="session")
def live_server(live_server):
    """pytest-django's live server; before it stops, the connections still open to it are closed.

    With SQLite the server's request threads share the test database connection only while the
    server runs. A client left behind in a reference cycle (a `requests.Session` whose hooks
    hold its responses) closes its kept-alive connection whenever the garbage collector gets to
    it: after the server stopped, the request thread then fails to close the shared connection
    (a `PytestUnhandledThreadExceptionWarning` at the end of the session). Collecting first, and
    giving the request threads a moment to see their connections close, keeps that inside the
    server's lifetime.
    """
    yield live_server
    gc.collect()
    deadline = time.monotonic() + 5
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
