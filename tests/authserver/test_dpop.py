"""DPoP at the embedded issuer (RFC 9449 §5, §8): bound tokens, clients that require them, the nonce, replay."""

import time

import pytest

from authserver.service_clients import create_service_client
from ccproject.dpop_signer import DPoPKey
from ccproject.nonces import NonceSource
from tests.api.brokencache import DEAD_CACHES
from tests.support.dpop import proof_claims, signed_proof

from .conftest import SECRET, basic
from .test_token_endpoint import TOKEN_URL, request_token, verify

ENDPOINT = "http://testserver" + TOKEN_URL


@pytest.fixture(scope="module")
def key() -> DPoPKey:
    return DPoPKey()


def dpop_token(client, proof: str | None, auth: str | None = None, **data):
    auth = auth or basic("test-client", SECRET)
    extra = {"HTTP_DPOP": proof} if proof is not None else {}
    data.setdefault("grant_type", "client_credentials")
    return client.post(TOKEN_URL, data, HTTP_AUTHORIZATION=auth, **extra)


def assert_refused(response, error: str, status: int = 400) -> None:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] == error and body["error_description"]
    assert response["Cache-Control"] == "no-store"


def test_a_proof_makes_a_bound_dpop_token(client, oauth_client, key):
    response = dpop_token(client, key.proof("POST", ENDPOINT))
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["token_type"] == "DPoP"
    assert verify(body["access_token"])["cnf"] == {"jkt": key.thumbprint}


def test_without_a_proof_the_token_is_a_bearer_token(client, oauth_client):
    body = request_token(client, basic("test-client", SECRET)).json()
    assert body["token_type"] == "Bearer"
    assert "cnf" not in verify(body["access_token"])


def test_a_replayed_proof_is_refused(client, oauth_client, key):
    proof = key.proof("POST", ENDPOINT)
    assert dpop_token(client, proof).status_code == 200
    assert_refused(dpop_token(client, proof), "invalid_dpop_proof")


@pytest.mark.parametrize(
    "case",
    ["wrong htu", "wrong htm", "old iat", "not a JWT", "two headers", "private jwk", "HS256", "no typ", "api url"],
)
def test_bad_proofs_are_400_invalid_dpop_proof(client, oauth_client, key, case):
    good = proof_claims(method="POST", url=ENDPOINT)
    proofs = {
        "wrong htu": signed_proof(key, {**good, "htu": "http://testserver/oauth2/default/v1/introspect"}),
        "wrong htm": signed_proof(key, {**good, "htm": "GET"}),
        "old iat": signed_proof(key, {**good, "iat": good["iat"] - 600}),
        "not a JWT": "garbage",
        "two headers": key.proof("POST", ENDPOINT) + "," + key.proof("POST", ENDPOINT),
        "private jwk": signed_proof(key, good, jwk={**key.public_jwk, "d": "AAAA"}),
        "HS256": signed_proof(key, good, signing_key="k" * 32, algorithm="HS256"),
        "no typ": signed_proof(key, good, typ=None),
        "api url": key.proof("POST", "http://testserver/"),
    }
    response = dpop_token(client, proofs[case])
    assert_refused(response, "invalid_dpop_proof")
    assert proofs[case] not in response.content.decode()


def test_a_bad_proof_is_refused_before_client_authentication(client, oauth_client):
    assert_refused(dpop_token(client, "garbage", auth=basic("test-client", "wrong")), "invalid_dpop_proof")


def test_a_client_that_requires_dpop(client, key):
    create_service_client(
        label="Bound", scopes=["hello:read"], client_id="bound", secret=SECRET, dpop_bound_access_tokens=True
    )
    response = dpop_token(client, None, auth=basic("bound", SECRET))
    assert_refused(response, "invalid_dpop_proof")
    assert "DPoP" in response.json()["error_description"]
    # Client authentication comes first: a wrong secret learns nothing about the client's settings.
    assert_refused(dpop_token(client, None, auth=basic("bound", "wrong")), "invalid_client", status=401)
    assert dpop_token(client, key.proof("POST", ENDPOINT), auth=basic("bound", SECRET)).json()["token_type"] == "DPoP"


def test_the_issuer_nonce(client, oauth_client, key, settings):
    settings.AUTHSERVER = {**getattr(settings, "AUTHSERVER", {}), "DPOP_NONCE": True}
    response = dpop_token(client, key.proof("POST", ENDPOINT))
    assert_refused(response, "use_dpop_nonce")
    nonce = response["DPoP-Nonce"]
    response = dpop_token(client, key.proof("POST", ENDPOINT, nonce=nonce))
    assert response.status_code == 200 and response.json()["token_type"] == "DPoP"
    # The API's nonces are salted apart: an issuer nonce is not one of the API's, nor the reverse.
    api_nonce = NonceSource("api").current(time.time())
    assert_refused(dpop_token(client, key.proof("POST", ENDPOINT, nonce=api_nonce)), "use_dpop_nonce")


@pytest.mark.parametrize("backend", list(DEAD_CACHES))
def test_dpop_token_requests_fail_closed_when_the_replay_cache_is_down(client, oauth_client, key, settings, backend):
    settings.CACHES = {**settings.CACHES, "default": DEAD_CACHES[backend]}
    response = dpop_token(client, key.proof("POST", ENDPOINT))
    assert_refused(response, "temporarily_unavailable", status=503)
    assert int(response["Retry-After"]) > 0


def test_metadata_and_introspection(client, oauth_client, key):
    metadata = client.get("/oauth2/default/.well-known/oauth-authorization-server").json()
    assert "ES256" in metadata["dpop_signing_alg_values_supported"]
    token = dpop_token(client, key.proof("POST", ENDPOINT)).json()["access_token"]
    response = client.post(
        "/oauth2/default/v1/introspect", {"token": token}, HTTP_AUTHORIZATION=basic("test-client", SECRET)
    )
    assert response.json()["active"] is True
    assert response.json()["cnf"] == {"jkt": key.thumbprint}
