"""A third-party OAuth client (panva's openid-client, npm) authenticates to the embedded issuer with
`private_key_jwt` (its own assertion: claims, `jti`, audience) and calls the API with the token."""

import json

import pytest

from authserver.credentials import clean_public_jwk
from authserver.service_clients import create_service_client
from tests.support.assertions import ec_private_key, private_jwk, public_jwk, rsa_private_key

from .node import node_executable, run_node

pytestmark = pytest.mark.interop


@pytest.fixture
def embedded_issuer(live_server, settings) -> str:
    node_executable()
    issuer = f"{live_server.url}/oauth2/default"
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": issuer}
    return issuer


def run_client(issuer: str, api_url: str, client_id: str, jwk: dict) -> dict:
    out = run_node(
        "private_key_jwt_client.mjs",
        "--issuer",
        issuer,
        "--client-id",
        client_id,
        "--api-url",
        api_url,
        stdin=json.dumps(jwk),
    )
    return json.loads(out)


@pytest.mark.parametrize(("make_key", "alg"), [(rsa_private_key, "RS256"), (ec_private_key, "ES256")])
def test_openid_client_gets_a_token_with_its_assertion_and_calls_the_api(embedded_issuer, live_server, make_key, alg):
    key = make_key()
    create_service_client(
        label="openid-client",
        scopes=["hello:read"],
        client_id="openid-client-app",
        auth_method="private_key_jwt",
        jwks=[clean_public_jwk(public_jwk(key, "node-1", alg))],
    )
    result = run_client(
        embedded_issuer, f"{live_server.url}/", "openid-client-app", {**private_jwk(key, "node-1"), "alg": alg}
    )
    assert result == {"token_type": "bearer", "scope": "hello:read", "status": 200, "body": "Hello World!"}


def test_openid_client_with_an_unregistered_key_is_refused(embedded_issuer, live_server):
    create_service_client(
        label="openid-client",
        scopes=["hello:read"],
        client_id="openid-client-app",
        auth_method="private_key_jwt",
        jwks=[clean_public_jwk(public_jwk(rsa_private_key(), "node-1", "RS256"))],
    )
    impostor = {**private_jwk(rsa_private_key(), "node-1"), "alg": "RS256"}
    result = run_client(embedded_issuer, f"{live_server.url}/", "openid-client-app", impostor)
    assert result == {"refused": True, "status": 401, "error": "invalid_client"}
