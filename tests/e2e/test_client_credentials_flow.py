"""The whole flow over real HTTP: a token from the embedded issuer, then the protected API."""

from io import StringIO

import pytest
import requests
from django.core.management import CommandError, call_command

from authserver.service_clients import create_service_client
from tests.support.challenges import DPOP_ALGS, RESOURCE_METADATA

pytestmark = pytest.mark.e2e

SECRET = "e2e-secret-" + "y" * 40


@pytest.fixture
def issuer(live_server, settings):
    issuer = f"{live_server.url}/oauth2/default"
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": issuer}
    settings.ISSUER = issuer
    settings.API_URL = live_server.url + "/"
    create_service_client(
        label="E2E Client",
        scopes=["hello:read"],
        client_id="e2e-client",
        secret=SECRET,
    )[0]
    return issuer


def get_token(issuer: str, secret: str = SECRET) -> requests.Response:
    return requests.post(
        f"{issuer}/v1/token",
        data={"grant_type": "client_credentials", "scope": "hello:read"},
        auth=("e2e-client", secret),
        timeout=10,
    )


def test_token_from_embedded_issuer_is_accepted(issuer, live_server):
    token = get_token(issuer).json()["access_token"]
    response = requests.get(live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert response.status_code == 200
    assert response.json() == "Hello World!"


def test_tampered_token_is_rejected(issuer, live_server):
    token = get_token(issuer).json()["access_token"]
    header, payload, signature = token.split(".")
    tampered = f"{header}.{payload}.{signature[:-4]}AAAA"
    response = requests.get(live_server.url, headers={"Authorization": f"Bearer {tampered}"}, timeout=10)
    assert response.status_code == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    assert response.json()["error"] == "invalid_token"


def test_no_token_is_401_with_challenge(live_server):
    response = requests.get(live_server.url, timeout=10)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == (
        f'Bearer realm="api", scope="hello:read", resource_metadata="{RESOURCE_METADATA}", DPoP realm="api", '
        f'scope="hello:read", algs="{DPOP_ALGS}", resource_metadata="{RESOURCE_METADATA}"'
    )


def test_wrong_secret_is_invalid_client(issuer):
    response = get_token(issuer, secret="wrong")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_call_api_command_prints_hello_world(issuer, settings):
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_SECRET = "e2e-client", SECRET
    out = StringIO()
    call_command("call_api", stdout=out)
    assert out.getvalue().strip() == "Hello World!"


def test_call_api_command_fails_with_the_oauth_error(issuer, settings):
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_SECRET = "e2e-client", "wrong"
    with pytest.raises(CommandError, match="invalid_client"):
        call_command("call_api", stdout=StringIO())


def test_get_token_command_prints_a_jwt(issuer, settings):
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_SECRET = "e2e-client", SECRET
    out = StringIO()
    call_command("get_token", stdout=out)
    assert out.getvalue().count(".") == 2
