"""DPoP with code nobody here wrote: oidc-provider binds the tokens, panva's `dpop` package signs the proofs."""

import json

import jwt
import pytest
import requests

from authserver.service_clients import create_service_client

from .conftest import TIMEOUT
from .node import run_node

pytestmark = pytest.mark.interop

SECRET = "interop-dpop-" + "z" * 40


def dpop_client(token_endpoint: str, client_id: str, secret: str, api: str, alg: str = "ES256") -> dict:
    output = run_node(
        "dpop_client.mjs",
        "--token-endpoint",
        token_endpoint,
        "--client-id",
        client_id,
        "--api",
        api,
        "--alg",
        alg,
        stdin=secret,
        timeout=30,
    )
    return json.loads(output)


def call(url: str, token: str, proof: str | None = None, scheme: str = "DPoP", method: str = "get"):
    headers = {"Authorization": f"{scheme} {token}", "Accept": "application/json"}
    if proof:
        headers["DPoP"] = proof
    return getattr(requests, method)(url, headers=headers, timeout=TIMEOUT)


def assert_refused(response, error: str) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"] == error


def test_oidc_provider_tokens_and_dpop_proofs_at_our_api(trust_oidc_provider, live_server):
    provider = trust_oidc_provider
    api = live_server.url + "/"
    result = dpop_client(provider.metadata["token_endpoint"], provider.client_id, provider.client_secret, api)
    assert result["status"] == 200, result
    assert result["token_type"] == "DPoP"
    token, proofs = result["access_token"], result["proofs"]
    assert jwt.decode(token, options={"verify_signature": False})["cnf"] == {"jkt": result["jkt"]}
    assert call(api, token, proofs["get"]).status_code == 200
    assert_refused(call(api, token, proofs["get"]), "invalid_dpop_proof")  # replayed
    assert_refused(call(api, token, proofs["wrong_htu"]), "invalid_dpop_proof")
    assert_refused(call(api, token, proofs["post"]), "invalid_dpop_proof")  # another method
    assert_refused(call(api, token, scheme="Bearer"), "invalid_token")  # a stolen bound token as Bearer
    assert call(api, token, proofs["get_again"]).status_code == 200


@pytest.mark.parametrize("alg", ["ES256", "PS256", "Ed25519"])
def test_dpop_proofs_made_by_the_package_work_with_our_issuer(live_server, settings, alg):
    issuer = f"{live_server.url}/oauth2/default"
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": issuer, "JWKS_URI": None}
    create_service_client(label="Interop DPoP", scopes=["hello:read"], client_id="interop-dpop", secret=SECRET)
    api = live_server.url + "/"
    result = dpop_client(f"{issuer}/v1/token", "interop-dpop", SECRET, api, alg=alg)
    assert result["status"] == 200 and result["token_type"] == "DPoP", result
    token, proofs = result["access_token"], result["proofs"]
    assert jwt.decode(token, options={"verify_signature": False})["cnf"] == {"jkt": result["jkt"]}
    assert call(api, token, proofs["get"]).status_code == 200
    assert_refused(call(api, token, proofs["get"]), "invalid_dpop_proof")
    assert_refused(call(api, token, proofs["wrong_htu"]), "invalid_dpop_proof")
    assert_refused(call(api, token, scheme="Bearer"), "invalid_token")


def test_our_issuer_asks_the_package_for_its_nonce(live_server, settings):
    issuer = f"{live_server.url}/oauth2/default"
    settings.AUTHSERVER = {**getattr(settings, "AUTHSERVER", {}), "DPOP_NONCE": True}
    create_service_client(label="Interop DPoP", scopes=["hello:read"], client_id="interop-dpop", secret=SECRET)
    result = dpop_client(f"{issuer}/v1/token", "interop-dpop", SECRET, live_server.url + "/")
    assert result["status"] == 200 and result["token_type"] == "DPoP", result
