"""Protected resource metadata (RFC 9728), `resource_metadata` in every challenge, `aud` = RESOURCE (RFC 8707)."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.urls import include, path
from rest_framework import viewsets
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.routers import SimpleRouter
from rest_framework.views import APIView

from api.conf import api_settings
from api.permissions import TokenHasScope
from conftest import AUDIENCE, ISSUER
from tests.support.challenges import RESOURCE_METADATA, bearer_params, parse_challenges

METADATA = "/.well-known/oauth-protected-resource"
DEFAULT_RESOURCE = "http://127.0.0.1:8000"
EVERY_SCOPE = ["clients:manage", "clients:register", "hello:read"]


class InvoiceView(APIView):
    """A view added by a test: its scope must show up in the metadata by itself."""

    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scopes_by_method = {"GET": ["invoices:read"], "POST": ["invoices:write"]}
    dpop = "allowed"

    def get(self, request):
        return Response("invoices")

    def post(self, request):
        return Response("created")


class ReportViewSet(viewsets.ViewSet):
    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scopes = ["reports:read"]

    def list(self, request):
        return Response([])


router = SimpleRouter()
router.register("reports", ReportViewSet, basename="report")
urlpatterns = [path("invoices/", InvoiceView.as_view()), *router.urls, path("", include("ccproject.urls"))]


def metadata(client, path: str = METADATA, **extra):
    response = client.get(path, **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "application/json"
    return response.json()


def test_the_document_describes_this_api(client):
    response = client.get(METADATA)
    assert response.status_code == 200
    assert response.json() == {
        "resource": DEFAULT_RESOURCE,
        "authorization_servers": [ISSUER],
        "scopes_supported": EVERY_SCOPE,
        "bearer_methods_supported": ["header"],
        "resource_name": "ccproject API",
        "resource_documentation": f"{DEFAULT_RESOURCE}/api/docs/",
        # DPoP is allowed by default (RFC 9449), not required.
        "dpop_signing_alg_values_supported": list(api_settings.DPOP_ALGORITHMS),
        "dpop_bound_access_tokens_required": False,
    }
    # Public and cacheable (RFC 9728 §3.2); readable by a browser-based client.
    assert response["Cache-Control"] == "public, max-age=3600"
    assert response["Access-Control-Allow-Origin"] == "*"


def test_the_document_costs_no_database_query(client, django_assert_num_queries):
    metadata(client)  # warm: the URL map and the issuers are read once per process
    with django_assert_num_queries(0):
        metadata(client)


def test_the_document_needs_no_token_and_ignores_a_bad_one(client):
    assert metadata(client, HTTP_AUTHORIZATION="Bearer not-a-token")["resource"] == DEFAULT_RESOURCE


@pytest.mark.parametrize("method", ["post", "put", "delete", "patch"])
def test_other_methods_are_405_in_the_error_shape(client, method):
    response = getattr(client, method)(METADATA)
    assert response.status_code == 405
    assert response.json()["error"] == "method_not_allowed"
    assert "GET" in response["Allow"]


def test_every_trusted_issuer_is_an_authorization_server(client, settings):
    other = "https://login.example.com/realms/api"
    settings.API_AUTH = {**settings.API_AUTH, "ISSUERS": {ISSUER: {}, other: {"AUDIENCE": "account"}}}
    assert metadata(client)["authorization_servers"] == [ISSUER, other]


def test_a_new_view_s_scopes_appear_by_themselves(client, settings):
    settings.ROOT_URLCONF = __name__
    assert metadata(client)["scopes_supported"] == sorted(
        [*EVERY_SCOPE, "invoices:read", "invoices:write", "reports:read"]
    )


def test_a_changed_scope_setting_shows(client, settings):
    settings.API_AUTH = {**settings.API_AUTH, "HELLO_SCOPE": "greetings:read"}
    assert "greetings:read" in metadata(client)["scopes_supported"]
    assert "hello:read" not in metadata(client)["scopes_supported"]


class TestDPoP:
    """RFC 9728 §2's DPoP members follow the `dpop` policy of the views that take tokens."""

    def test_disabled_everywhere_means_no_dpop_members(self, client, settings):
        settings.API_AUTH = {**settings.API_AUTH, "DPOP": "disabled"}
        body = metadata(client)
        assert "dpop_signing_alg_values_supported" not in body
        assert "dpop_bound_access_tokens_required" not in body

    def test_required_everywhere(self, client, settings):
        settings.API_AUTH = {**settings.API_AUTH, "DPOP": "required", "DPOP_ALGORITHMS": ["ES256", "EdDSA"]}
        body = metadata(client)
        assert body["dpop_signing_alg_values_supported"] == ["ES256", "EdDSA"]
        assert body["dpop_bound_access_tokens_required"] is True

    def test_one_view_taking_bearer_tokens_means_not_always_required(self, client, settings):
        settings.ROOT_URLCONF = __name__
        settings.API_AUTH = {**settings.API_AUTH, "DPOP": "required"}
        assert metadata(client)["dpop_bound_access_tokens_required"] is False  # InvoiceView: dpop = "allowed"

    def test_the_challenges_of_both_schemes_name_the_metadata(self, api_client):
        header = api_client.get("/")["WWW-Authenticate"]
        schemes = parse_challenges(header)
        assert [scheme for scheme, _ in schemes] == ["Bearer", "DPoP"]
        for _, params in schemes:
            assert params["resource_metadata"] == RESOURCE_METADATA
            assert params["scope"] == "hello:read"


def test_name_and_documentation_are_settings(client, settings):
    settings.API_AUTH = {
        **settings.API_AUTH,
        "RESOURCE_NAME": "Orders",
        "RESOURCE_DOCUMENTATION": "https://docs.example.com/orders",
    }
    body = metadata(client)
    assert (body["resource_name"], body["resource_documentation"]) == ("Orders", "https://docs.example.com/orders")


class TestPathAwareResource:
    """RFC 9728 §3.1: for `https://example.com/orders` the document is at `/.well-known/.../orders`."""

    @pytest.fixture(autouse=True)
    def _resource(self, settings):
        settings.API_AUTH = {**settings.API_AUTH, "RESOURCE": "https://example.com/orders"}

    def test_served_at_the_path_aware_url(self, client):
        body = metadata(client, METADATA + "/orders")
        assert body["resource"] == "https://example.com/orders"
        assert metadata(client, METADATA + "/orders/")["resource"] == "https://example.com/orders"

    @pytest.mark.parametrize("suffix", ["", "/other", "/orders/more", "/ORDERS"])
    def test_any_other_identifier_is_404(self, client, suffix):
        # §3.3: a client that built the URL from another identifier must not get this document.
        response = client.get(METADATA + suffix)
        assert response.status_code == 404
        assert response.json()["error"] == "not_found"
        assert METADATA + "/orders" in response.json()["error_description"]

    def test_the_challenge_names_the_path_aware_url(self, api_client):
        response = api_client.get("/")
        assert bearer_params(response)["resource_metadata"] == "https://example.com" + METADATA + "/orders"


class TestBehindAProxy:
    """The resource and every URL derived from it come from settings, never from the request."""

    @pytest.fixture(autouse=True)
    def _hosts(self, settings):
        settings.ALLOWED_HOSTS = ["*"]
        settings.USE_X_FORWARDED_HOST = True
        settings.API_AUTH = {**settings.API_AUTH, "RESOURCE": "https://api.example.com"}

    forged = {"HTTP_HOST": "evil.example", "HTTP_X_FORWARDED_HOST": "evil.example", "HTTP_X_FORWARDED_PROTO": "http"}

    def test_the_document_ignores_host_headers(self, client):
        body = metadata(client, **self.forged)
        assert body["resource"] == "https://api.example.com"
        assert body["resource_documentation"] == "https://api.example.com/api/docs/"
        assert "evil" not in str(body)

    def test_the_challenge_ignores_host_headers(self, api_client):
        response = api_client.get("/", **self.forged)
        assert bearer_params(response)["resource_metadata"] == "https://api.example.com" + METADATA


class TestChallenges:
    """RFC 9728 §5.1 on every error path; a 401 or 403 also names the scope (RFC 6750 §3)."""

    def test_400_malformed_header(self, api_client):
        response = api_client.get("/", HTTP_AUTHORIZATION="Bearer a b")
        assert response.status_code == 400
        params = bearer_params(response)
        assert params["error"] == "invalid_request"
        assert params["resource_metadata"] == RESOURCE_METADATA

    def test_400_token_in_the_query(self, api_client):
        response = api_client.get("/?access_token=x")
        assert response.status_code == 400
        assert bearer_params(response)["resource_metadata"] == RESOURCE_METADATA

    def test_401_no_token(self, api_client):
        response = api_client.get("/")
        assert response.status_code == 401
        assert bearer_params(response) == {
            "realm": "api",
            "scope": "hello:read",
            "resource_metadata": RESOURCE_METADATA,
        }

    def test_401_invalid_token(self, api_client, make_token, issuer_http):
        response = api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {make_token(exp=1)}")
        assert response.status_code == 401
        params = bearer_params(response)
        assert params["error"] == "invalid_token"
        assert params["scope"] == "hello:read"
        assert params["resource_metadata"] == RESOURCE_METADATA

    def test_403_names_the_scope(self, api_client, make_token, issuer_http):
        response = api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {make_token(scp=['other'])}")
        assert response.status_code == 403
        params = bearer_params(response)
        assert (params["error"], params["scope"]) == ("insufficient_scope", "hello:read")
        assert params["resource_metadata"] == RESOURCE_METADATA

    def test_403_of_a_per_method_view_names_that_method_s_scope(self, api_client, make_token, issuer_http, settings):
        settings.ROOT_URLCONF = __name__
        response = api_client.post("/invoices/", HTTP_AUTHORIZATION=f"Bearer {make_token(scp=['invoices:read'])}")
        assert response.status_code == 403
        assert bearer_params(response)["scope"] == "invoices:write"
        assert bearer_params(api_client.post("/invoices/"))["scope"] == "invoices:write"


class TestAudience:
    """The API accepts a token audienced to AUDIENCE or to its RESOURCE (RFC 8707 §2)."""

    @pytest.mark.parametrize(
        "aud",
        [AUDIENCE, DEFAULT_RESOURCE, [DEFAULT_RESOURCE], ["https://other.example.com", DEFAULT_RESOURCE]],
    )
    def test_accepted(self, api_client, make_token, issuer_http, aud):
        response = api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {make_token(aud=aud)}")
        assert response.status_code == 200, response.content

    @pytest.mark.parametrize(
        "aud", ["https://other.example.com", DEFAULT_RESOURCE + "/", DEFAULT_RESOURCE + "/x", "HTTP://127.0.0.1:8000"]
    )
    def test_anything_else_is_refused(self, api_client, make_token, issuer_http, aud):
        response = api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {make_token(aud=aud)}")
        assert response.status_code == 401
        assert bearer_params(response)["error"] == "invalid_token"

    def test_the_resource_follows_its_setting(self, api_client, make_token, issuer_http, settings):
        settings.API_AUTH = {**settings.API_AUTH, "RESOURCE": "https://api.example.com"}
        accepted = make_token(aud="https://api.example.com")
        assert api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {accepted}").status_code == 200
        former = make_token(aud=DEFAULT_RESOURCE)
        assert api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {former}").status_code == 401


@pytest.mark.parametrize(
    "resource",
    ["", None, "api.example.com", "ftp://api.example.com", "https://api.example.com#x", "https://u@api.example.com"],
)
def test_a_bad_resource_fails_the_system_check(settings, resource):
    settings.API_AUTH = {**settings.API_AUTH, "RESOURCE": resource}
    with pytest.raises(SystemCheckError, match=r"api\.E010"):
        call_command("check")


def test_the_schema_names_the_metadata(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    scheme = schema["components"]["securitySchemes"]["oauth2"]
    assert scheme["x-resource-metadata"] == RESOURCE_METADATA
    assert RESOURCE_METADATA in scheme["description"]
