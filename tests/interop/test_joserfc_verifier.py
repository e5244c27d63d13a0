"""An independent verifier (joserfc, written by nobody here) accepts the embedded issuer's tokens.

Everything travels over real HTTP: discovery, the JWKS and the token endpoint of a live server.
"""

import base64
import json

import pytest
import requests
from joserfc import jwt
from joserfc.errors import BadSignatureError, ExpiredTokenError, InvalidClaimError, UnsupportedAlgorithmError
from joserfc.jwk import KeySet

from authserver.keys import create_signing_key
from authserver.service_clients import create_service_client
from tests.support.tokens import client_credentials_token

pytestmark = pytest.mark.e2e

SECRET = "interop-secret-" + "q" * 40
AUDIENCE = "api://default"


@pytest.fixture
def issuer(live_server) -> str:
    create_service_client(
        label="Interop",
        scopes=["hello:read"],
        client_id="interop-client",
        secret=SECRET,
    )[0]
    return f"{live_server.url}/oauth2/default"


def fetch_token(issuer: str) -> str:
    return client_credentials_token(issuer, "interop-client", SECRET, scope=None)


def published_keys(issuer: str) -> KeySet:
    """What any RFC 8414 client does: metadata first, then the `jwks_uri` it names."""
    metadata = requests.get(f"{issuer}/.well-known/oauth-authorization-server", timeout=10).json()
    assert metadata["issuer"] == issuer
    return KeySet.import_key_set(requests.get(metadata["jwks_uri"], timeout=10).json())


def verify(token: str, keys: KeySet, issuer: str, now: int | None = None, algorithms=("RS256", "ES256")):
    decoded = jwt.decode(token, keys, algorithms=list(algorithms))
    # RFC 9068 §4: the resource server checks typ, iss, aud, exp.
    assert decoded.header["typ"] == "at+jwt"
    registry = jwt.JWTClaimsRegistry(
        now=now,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": AUDIENCE},
        exp={"essential": True},
        iat={"essential": True},
        client_id={"essential": True},
        jti={"essential": True},
    )
    registry.validate(decoded.claims)
    return decoded


def test_rs256_token_verifies(issuer):
    token = fetch_token(issuer)
    decoded = verify(token, published_keys(issuer), issuer)
    assert decoded.claims["cid"] == decoded.claims["client_id"] == decoded.claims["sub"] == "interop-client"
    assert decoded.claims["scp"] == ["hello:read"]
    assert decoded.header["alg"] == "RS256"


def test_es256_token_verifies(issuer):
    create_signing_key("ES256")
    token = fetch_token(issuer)
    decoded = verify(token, published_keys(issuer), issuer)
    assert decoded.header["alg"] == "ES256"


def _tamper_payload(token: str, **changes) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims.update(changes)
    raw = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{raw}.{signature}"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda token: _tamper_payload(token, scp=["hello:read", "clients:manage"]),
        lambda token: _tamper_payload(token, exp=4102444800),
        lambda token: token[:-8] + ("A" * 8 if not token.endswith("A" * 8) else "B" * 8),
    ],
)
def test_tampered_tokens_are_rejected(issuer, tamper):
    token = fetch_token(issuer)
    keys = published_keys(issuer)
    verify(token, keys, issuer)
    with pytest.raises(BadSignatureError):
        verify(tamper(token), keys, issuer)


def test_wrong_issuer_or_audience_is_rejected(issuer):
    token, keys = fetch_token(issuer), published_keys(issuer)
    with pytest.raises(InvalidClaimError):
        verify(token, keys, "https://elsewhere.test/oauth2/default")
    decoded = jwt.decode(token, keys, algorithms=["RS256"])
    with pytest.raises(InvalidClaimError):
        jwt.JWTClaimsRegistry(aud={"essential": True, "value": "api://other"}).validate(decoded.claims)


def test_expired_token_is_rejected(issuer):
    token, keys = fetch_token(issuer), published_keys(issuer)
    exp = jwt.decode(token, keys, algorithms=["RS256"]).claims["exp"]
    verify(token, keys, issuer, now=exp - 1)
    with pytest.raises(ExpiredTokenError):
        verify(token, keys, issuer, now=exp + 1)


def test_algorithm_outside_the_allowlist_is_rejected(issuer):
    token, keys = fetch_token(issuer), published_keys(issuer)
    with pytest.raises(UnsupportedAlgorithmError):
        verify(token, keys, issuer, algorithms=("ES256",))
