"""The OpenAPI schema and Swagger UI: the oauth2 scheme, per-operation scopes, RFC 6750 errors, offline assets."""

import re

import pytest
import responses
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

from api.schema import SCHEME_NAME
from conftest import ISSUER

SCHEMA_URL = "/api/schema/?format=json"
METADATA_URL = "https://issuer.test/.well-known/oauth-authorization-server/oauth2/default"
TOKEN_URL = f"{ISSUER}/v1/token"


@pytest.fixture
def no_network():
    """The issuer's RFC 8414 metadata (naming Okta's token endpoint); any other request fails."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(METADATA_URL, json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/v1/keys", "token_endpoint": TOKEN_URL})
        yield mock
        others = [call.request.url for call in mock.calls if call.request.url != METADATA_URL]
        assert not others, others


def get_schema(client) -> dict:
    response = client.get(SCHEMA_URL)
    assert response.status_code == 200, response.content
    return response.json()


def test_schema_is_valid_openapi_and_public(api_client, no_network):
    schema = get_schema(api_client)
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_schema_ignores_a_bad_bearer_token(api_client, no_network):
    response = api_client.get(SCHEMA_URL, HTTP_AUTHORIZATION="Bearer not-a-jwt")
    assert response.status_code == 200


def token_url(client) -> str:
    return get_schema(client)["components"]["securitySchemes"][SCHEME_NAME]["flows"]["clientCredentials"]["tokenUrl"]


def test_oauth2_scheme_is_client_credentials_at_the_issuers_token_endpoint(api_client, no_network):
    scheme = get_schema(api_client)["components"]["securitySchemes"][SCHEME_NAME]
    assert scheme["type"] == "oauth2"
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == TOKEN_URL
    assert list(scheme["flows"]) == ["clientCredentials"]


def test_token_url_is_the_one_the_issuers_metadata_names(api_client, no_network):
    keycloak = "https://issuer.test/realms/x/protocol/openid-connect/token"
    no_network.replace(
        "GET", METADATA_URL, json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/keys", "token_endpoint": keycloak}
    )
    assert token_url(api_client) == keycloak
    assert token_url(api_client) == keycloak
    assert len(no_network.calls) == 1  # remembered in the shared cache with the jwks_uri


def test_an_issuer_without_metadata_gets_oktas_layout_and_is_asked_once_per_cooldown(api_client, settings):
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": "https://example.okta.com/oauth2/aus1"}
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        assert token_url(api_client) == "https://example.okta.com/oauth2/aus1/v1/token"
        asked = len(mock.calls)
        assert asked == 3  # RFC 8414 inserted, appended, OpenID Connect: all refused
        assert token_url(api_client) == "https://example.okta.com/oauth2/aus1/v1/token"
        assert len(mock.calls) == asked


def test_scheme_offers_exactly_the_scopes_the_operations_require(api_client, no_network):
    schema = get_schema(api_client)
    required = {
        scope
        for item in schema["paths"].values()
        for operation in item.values()
        for requirement in operation.get("security", [])
        for scope in requirement.get(SCHEME_NAME, [])
    }
    scopes = schema["components"]["securitySchemes"][SCHEME_NAME]["flows"]["clientCredentials"]["scopes"]
    assert "hello:read" in required
    assert set(scopes) == required
    assert scopes["hello:read"] == "Required by GET /"


def test_token_endpoint_setting_overrides_the_metadata(api_client, settings, no_network):
    settings.API_AUTH = {**settings.API_AUTH, "TOKEN_ENDPOINT": "https://sso.example.com/realms/x/token"}
    assert token_url(api_client) == "https://sso.example.com/realms/x/token"
    assert not no_network.calls


def test_hello_declares_its_scope(api_client, settings, no_network):
    settings.API_AUTH = {**settings.API_AUTH, "HELLO_SCOPE": "greetings:read"}
    schema = get_schema(api_client)
    operation = schema["paths"]["/"]["get"]
    assert operation["security"] == [{SCHEME_NAME: ["greetings:read"]}, {"dpop": []}]
    scopes = schema["components"]["securitySchemes"][SCHEME_NAME]["flows"]["clientCredentials"]["scopes"]
    assert scopes["greetings:read"] == "Required by GET /"
    assert "hello:read" not in scopes


@pytest.mark.parametrize(
    ("status", "error", "header"),
    [
        ("400", "invalid_request", "WWW-Authenticate"),
        ("401", "invalid_token", "WWW-Authenticate"),
        ("403", "insufficient_scope", "WWW-Authenticate"),
        ("503", "temporarily_unavailable", "Retry-After"),
    ],
)
def test_hello_documents_rfc6750_errors(api_client, no_network, status, error, header):
    schema = get_schema(api_client)
    response = schema["paths"]["/"]["get"]["responses"][status]
    content = response["content"]["application/json"]
    assert content["schema"] == {"$ref": "#/components/schemas/OAuthError"}
    assert content["example"]["error"] == error
    assert header in response["headers"]
    assert schema["components"]["schemas"]["OAuthError"]["required"] == ["error", "error_description"]


def test_hello_documents_its_greeting(api_client, no_network):
    operation = get_schema(api_client)["paths"]["/"]["get"]
    assert operation["operationId"] == "hello"
    assert operation["responses"]["200"]["content"]["application/json"]["schema"] == {"type": "string"}


def test_swagger_ui_is_served_from_local_static_files(client, no_network):
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert any(asset.endswith("swagger-ui-bundle.js") for asset in assets)
    for asset in assets:
        assert not asset.startswith(("http:", "https:", "//")), asset
        if asset.startswith("/static/"):
            assert finders.find(asset.removeprefix("/static/")), asset


def test_swagger_ui_init_script_points_at_the_schema(client, no_network):
    response = client.get("/api/docs/?script=")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/schema/" in response.content.decode()


def test_schema_generates_without_warnings(tmp_path, no_network):
    # Every view must be describable: a warning means an endpoint is missing from (or wrong in) the docs.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert "oauth2" in (tmp_path / "schema.yaml").read_text()


def test_the_dpop_scheme_is_described_and_follows_the_policy(api_client, settings, no_network):
    schema = get_schema(api_client)
    scheme = schema["components"]["securitySchemes"]["dpop"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "DPoP")
    assert "RFC 9449" in scheme["description"]
    settings.API_AUTH = {**settings.API_AUTH, "DPOP": "required"}
    assert get_schema(api_client)["paths"]["/"]["get"]["security"] == [{"dpop": []}]
    settings.API_AUTH = {**settings.API_AUTH, "DPOP": "disabled"}
    assert get_schema(api_client)["paths"]["/"]["get"]["security"] == [{SCHEME_NAME: ["hello:read"]}]
