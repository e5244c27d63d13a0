"""The OpenAPI schema and Swagger UI: the oauth2 scheme, per-operation scopes, RFC 6750 errors, offline assets."""

import re

import pytest
import responses
from django.contrib.staticfiles import finders
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

from api.schema import SCHEME_NAME

SCHEMA_URL = "/api/schema/?format=json"


@pytest.fixture
def no_network():
    """Any outgoing HTTP request fails the test: the schema never calls the issuer."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock
    assert not mock.calls, [call.request.url for call in mock.calls]


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


def test_oauth2_scheme_is_client_credentials_at_the_issuers_token_endpoint(api_client, settings, no_network):
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": "https://example.okta.com/oauth2/aus1"}
    scheme = get_schema(api_client)["components"]["securitySchemes"][SCHEME_NAME]
    assert scheme["type"] == "oauth2"
    flow = scheme["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "https://example.okta.com/oauth2/aus1/v1/token"
    assert list(scheme["flows"]) == ["clientCredentials"]


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


def test_token_endpoint_setting_overrides_oktas_layout(api_client, settings, no_network):
    settings.API_AUTH = {**settings.API_AUTH, "TOKEN_ENDPOINT": "https://sso.example.com/realms/x/token"}
    flow = get_schema(api_client)["components"]["securitySchemes"][SCHEME_NAME]["flows"]["clientCredentials"]
    assert flow["tokenUrl"] == "https://sso.example.com/realms/x/token"


def test_hello_declares_its_scope(api_client, settings, no_network):
    settings.API_AUTH = {**settings.API_AUTH, "HELLO_SCOPE": "greetings:read"}
    schema = get_schema(api_client)
    operation = schema["paths"]["/"]["get"]
    assert operation["security"] == [{SCHEME_NAME: ["greetings:read"]}]
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
