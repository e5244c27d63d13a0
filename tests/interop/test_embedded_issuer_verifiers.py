"""Our embedded issuer's tokens, checked by verifiers nobody here wrote: `jose` (Node) and `joserfc`."""

import base64
import json
import time

import jwt
import pytest

from authserver.keys import current_signing_key, load_private_key
from authserver.service_clients import create_service_client
from authserver.tokens import build_claims, sign
from tests.support.tokens import client_credentials_token

from .node import node_executable
from .verifiers import JoseError, JoserfcVerifier, verify_with_jose

pytestmark = [pytest.mark.interop, pytest.mark.e2e]

AUDIENCE = "api://default"
SECRET = "interop-secret-" + "z" * 40


@pytest.fixture
def embedded(live_server) -> str:
    """The embedded issuer on a live server, with a client-credentials client."""
    create_service_client(
        label="Interop Client",
        scopes=["hello:read"],
        client_id="interop-embedded",
        secret=SECRET,
    )[0]
    return f"{live_server.url}/oauth2/default"


def issue(issuer: str) -> str:
    return client_credentials_token(issuer, "interop-embedded", SECRET)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _flip(segment: str) -> str:
    """Change the first character: the decoded bytes change (a last character may only pad)."""
    return ("B" if segment[0] != "B" else "C") + segment[1:]


def forgeries(issuer: str, token: str, foreign_key) -> dict[str, str]:
    """Tokens a verifier must refuse, each wrong in one way only."""
    header, payload, signature = token.split(".")
    claims = jwt.decode(token, options={"verify_signature": False})
    key = current_signing_key()
    private_key = load_private_key(key.kid, key.private_key_pem)
    two_hours_ago = int(time.time()) - 7200
    expired = build_claims(issuer=issuer, client_id="interop-embedded", scopes=["hello:read"], now=two_hours_ago)
    return {
        "payload changed, signature kept": f"{header}.{_b64({**claims, 'scope': 'admin'})}.{signature}",
        "signature changed": f"{header}.{payload}.{_flip(signature)}",
        "signed by another key under our kid": jwt.encode(
            claims, foreign_key, algorithm="RS256", headers={"kid": key.kid, "typ": "at+jwt"}
        ),
        "alg none": f"{_b64({'alg': 'none', 'typ': 'at+jwt', 'kid': key.kid})}.{payload}.",
        "HS256 (algorithm confusion)": jwt.encode(
            claims, "not-the-rsa-key-" * 4, algorithm="HS256", headers={"kid": key.kid, "typ": "at+jwt"}
        ),
        "expired, by our real key": sign(expired),
        "typ JWT, by our real key": jwt.encode(claims, private_key, algorithm="RS256", headers={"kid": key.kid}),
        "another issuer, by our real key": jwt.encode(
            {**claims, "iss": "https://evil.test/oauth2/default"},
            private_key,
            algorithm="RS256",
            headers={"kid": key.kid, "typ": "at+jwt"},
        ),
    }


@pytest.fixture
def node():
    return node_executable()  # skip, or fail under CI, without Node


def test_jose_accepts_our_tokens(node, embedded):
    token = issue(embedded)
    [result] = verify_with_jose([token], issuer=embedded, audience=AUDIENCE)
    assert result["ok"], result
    assert result["header"]["typ"] == "at+jwt"
    assert result["header"]["kid"] == current_signing_key().kid
    assert result["payload"]["client_id"] == "interop-embedded"
    assert result["payload"]["scope"] == "hello:read"


def test_jose_rejects_tampered_tokens(node, embedded, rsa_key):
    cases = forgeries(embedded, issue(embedded), rsa_key)
    results = verify_with_jose(list(cases.values()), issuer=embedded, audience=AUDIENCE)
    verdicts = {name: result for name, result in zip(cases, results, strict=True)}
    assert {name: (result["ok"], result["code"]) for name, result in verdicts.items()} == {
        "payload changed, signature kept": (False, "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"),
        "signature changed": (False, "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"),
        "signed by another key under our kid": (False, "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"),
        "alg none": (False, "ERR_JOSE_ALG_NOT_ALLOWED"),
        "HS256 (algorithm confusion)": (False, "ERR_JOSE_ALG_NOT_ALLOWED"),
        "expired, by our real key": (False, "ERR_JWT_EXPIRED"),
        "typ JWT, by our real key": (False, "ERR_JWT_CLAIM_VALIDATION_FAILED"),
        "another issuer, by our real key": (False, "ERR_JWT_CLAIM_VALIDATION_FAILED"),
    }
    assert "typ" in verdicts["typ JWT, by our real key"]["message"]
    assert "iss" in verdicts["another issuer, by our real key"]["message"]


def test_jose_rejects_our_token_for_another_audience(node, embedded):
    [result] = verify_with_jose([issue(embedded)], issuer=embedded, audience="api://someone-else")
    assert result == {**result, "ok": False, "code": "ERR_JWT_CLAIM_VALIDATION_FAILED"}
    assert "aud" in result["message"]


def test_joserfc_accepts_our_tokens(embedded):
    claims = JoserfcVerifier(embedded, AUDIENCE).verify(issue(embedded))
    assert claims["iss"] == embedded
    assert claims["client_id"] == "interop-embedded"
    assert claims["scope"] == "hello:read"


def test_joserfc_rejects_tampered_tokens(embedded, rsa_key):
    verifier = JoserfcVerifier(embedded, AUDIENCE)
    verdicts = {}
    for name, forged in forgeries(embedded, issue(embedded), rsa_key).items():
        try:
            verdicts[name] = verifier.verify(forged)
        except (JoseError, ValueError) as exc:
            verdicts[name] = type(exc).__name__
    assert verdicts == {
        "payload changed, signature kept": "BadSignatureError",
        "signature changed": "BadSignatureError",
        "signed by another key under our kid": "BadSignatureError",
        "alg none": "UnsupportedAlgorithmError",
        "HS256 (algorithm confusion)": "UnsupportedAlgorithmError",
        "expired, by our real key": "ExpiredTokenError",
        "typ JWT, by our real key": "ValueError",
        "another issuer, by our real key": "InvalidClaimError",
    }


def test_joserfc_rejects_our_token_for_another_audience(embedded):
    with pytest.raises(JoseError, match="aud"):
        JoserfcVerifier(embedded, "api://someone-else").verify(issue(embedded))
