"""The command line finds the token endpoint in the issuer's metadata: a Keycloak-shaped issuer over real HTTP.

Keycloak publishes `{base}/realms/{realm}/.well-known/openid-configuration`, its keys at
`.../protocol/openid-connect/certs` and its token endpoint at `.../protocol/openid-connect/token`
(https://www.keycloak.org/securing-apps/oidc-layers): nothing at Okta's `/v1/token`.
"""

import pytest

from tests.e2e.test_cli_process import manage
from tests.support.vendor_issuer import VendorIssuer, keycloak_layout

pytestmark = pytest.mark.e2e

REALM = "/realms/demo"
SECRET = "keycloak-client-secret-" + "k" * 32


@pytest.fixture
def keycloak():
    issuer = VendorIssuer(
        **keycloak_layout(),
        clients={"orders-service": SECRET},
        claims_for=lambda client_id, scope: {
            "aud": "api://default",
            "azp": client_id,
            "sub": "b5f1c2d0-service-account",
            "typ": "Bearer",
            "scope": scope,
        },
    )
    with issuer:
        yield issuer


def test_get_token_asks_the_token_endpoint_the_metadata_names(keycloak):
    result = manage(
        "get_token",
        "--scope",
        "hello:read",
        ISSUER=keycloak.issuer,
        TEST_CLIENT_ID="orders-service",
        TEST_CLIENT_SECRET=SECRET,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.count(".") == 2  # a JWT, printed alone
    assert f"{REALM}/protocol/openid-connect/token" in keycloak.requests
    assert not [path for path in keycloak.requests if path.endswith("/v1/token")]


def test_call_api_reaches_the_api_with_a_token_from_that_endpoint(keycloak, live_server, settings):
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": keycloak.issuer, "AUDIENCE": "api://default"}
    result = manage(
        "call_api",
        ISSUER=keycloak.issuer,
        TEST_CLIENT_ID="orders-service",
        TEST_CLIENT_SECRET=SECRET,
        API_URL=live_server.url + "/",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello World!\n"


def test_a_wrong_secret_still_names_the_settings(keycloak):
    result = manage("get_token", ISSUER=keycloak.issuer, TEST_CLIENT_ID="orders-service", TEST_CLIENT_SECRET="wrong")
    assert result.returncode == 1, result.stderr
    assert "invalid_client" in result.stderr and "TEST_CLIENT_ID and TEST_CLIENT_SECRET" in result.stderr
