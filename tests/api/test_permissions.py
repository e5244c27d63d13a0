"""Scope permissions: all-of, any-of, per method; 403 `insufficient_scope` with the scopes in the challenge."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.permissions import TokenHasAnyScope, TokenHasScope
from api.principal import ClientPrincipal, ValidatedToken
from conftest import KID, claims_at, raw_token
from tests.support.challenges import RESOURCE_METADATA, bearer_params


class AllOfView(APIView):
    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scopes = ["orders:read", "orders:audit"]

    def get(self, request):
        user = request.user
        assert isinstance(user, ClientPrincipal) and isinstance(request.auth, ValidatedToken)
        return Response({"client": user.client_id, "issuer": user.issuer, "scopes": sorted(request.auth.scopes)})


class AnyOfView(APIView):
    permission_classes = [IsAuthenticated, TokenHasAnyScope]
    required_scopes = ["orders:read", "orders:admin"]

    def get(self, request):
        return Response("ok")


class PerMethodView(APIView):
    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scopes_by_method = {"GET": ["orders:read"], "POST": ["orders:write"]}

    def get(self, request):
        return Response("read")

    def post(self, request):
        return Response("written")

    def delete(self, request):
        return Response("deleted")


class NoScopesView(APIView):
    permission_classes = [IsAuthenticated, TokenHasScope]

    def get(self, request):
        return Response("never")


urlpatterns = [
    path("all/", AllOfView.as_view()),
    path("any/", AnyOfView.as_view()),
    path("method/", PerMethodView.as_view()),
    path("none/", NoScopesView.as_view()),
]


@pytest.fixture(autouse=True)
def _urls(settings, issuer_http):
    settings.ROOT_URLCONF = __name__


@pytest.fixture
def call(api_client, rsa_key, clock):
    def call(method: str, url: str, scopes: list[str]):
        token = raw_token({"alg": "RS256", "kid": KID}, claims_at(clock.now, scp=scopes), rsa_key)
        return getattr(api_client, method)(url, HTTP_AUTHORIZATION=f"Bearer {token}")

    return call


def assert_insufficient(response, scopes: str, needed: str | None = None):
    assert response.status_code == 403
    body = response.json()
    assert body["error"] == "insufficient_scope"
    # The body names the scopes as the challenge does, and says them in words.
    assert body["scope"] == scopes
    assert body["error_description"].endswith(f": {needed or scopes}.")
    params = bearer_params(response)
    assert params["error"] == "insufficient_scope"
    assert params["scope"] == scopes
    assert params["resource_metadata"] == RESOURCE_METADATA


def test_all_of_needs_every_scope(call):
    assert_insufficient(call("get", "/all/", ["orders:read"]), "orders:audit orders:read")
    response = call("get", "/all/", ["orders:read", "orders:audit", "x"])
    assert response.status_code == 200
    assert response.json() == {
        "client": "client-1",
        "issuer": "https://issuer.test/oauth2/default",
        "scopes": ["orders:audit", "orders:read", "x"],
    }


def test_any_of_needs_one_scope(call):
    assert call("get", "/any/", ["orders:admin"]).status_code == 200
    assert_insufficient(
        call("get", "/any/", ["hello:read"]), "orders:admin orders:read", "one of orders:admin orders:read"
    )


def test_per_method_scopes(call):
    assert call("get", "/method/", ["orders:read"]).status_code == 200
    assert_insufficient(call("post", "/method/", ["orders:read"]), "orders:write")
    assert call("post", "/method/", ["orders:write"]).status_code == 200
    assert call("head", "/method/", ["orders:read"]).status_code == 200


def test_a_method_without_scopes_is_a_configuration_error(call):
    with pytest.raises(ImproperlyConfigured, match="required_scopes"):
        call("delete", "/method/", ["orders:read", "orders:write"])
    with pytest.raises(ImproperlyConfigured):
        call("get", "/none/", ["orders:read"])


def test_unauthenticated_is_401_not_403(api_client):
    response = api_client.get("/all/")
    assert response.status_code == 401
    assert bearer_params(response) == {
        "realm": "api",
        "scope": "orders:audit orders:read",
        "resource_metadata": RESOURCE_METADATA,
    }


def test_hello_scope_is_configurable(settings, api_client, rsa_key, clock):
    settings.ROOT_URLCONF = "ccproject.urls"
    settings.API_AUTH = {**settings.API_AUTH, "HELLO_SCOPE": "greet"}
    token = raw_token({"alg": "RS256", "kid": KID}, claims_at(clock.now, scp=["hello:read"]), rsa_key)
    assert_insufficient(api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {token}"), "greet")


def test_checked_scope_lists_are_reused_and_bad_ones_always_refused():
    from api import permissions

    permission, view = TokenHasScope(), AllOfView()
    first = permission._checked(["orders:read", "orders:audit"], view)
    assert first == frozenset({"orders:read", "orders:audit"})
    assert permission._checked(("orders:read", "orders:audit"), view) is first
    for bad in ("orders:read", [], ["orders:read", ""], ["orders:read", 3]):
        for _ in range(2):  # never remembered as valid
            with pytest.raises(ImproperlyConfigured, match="non-empty list of strings"):
                permission._checked(bad, view)
    assert ("orders:read", "") not in permissions._CHECKED_SCOPES


def test_the_checked_scope_memo_is_bounded(monkeypatch):
    from api import permissions

    monkeypatch.setattr(permissions, "_CHECKED_SCOPES", {})
    monkeypatch.setattr(permissions, "_MAX_CHECKED", 2)
    permission, view = TokenHasScope(), AllOfView()
    for n in range(5):
        assert permission._checked([f"scope:{n}"], view) == frozenset({f"scope:{n}"})
    assert len(permissions._CHECKED_SCOPES) == 2
