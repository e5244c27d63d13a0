"""The registration API: who may call it, what it answers, and how provider failures map to HTTP."""

import pytest
import requests
from django.contrib.auth import get_user_model
from django.db import OperationalError
from rest_framework.test import APIClient

from registration.models import RegisteredClient
from tests.support.challenges import RESOURCE_METADATA, bearer_params

from .conftest import CSRF, ORG, okta_app, okta_error, provider_calls

APPS = f"{ORG}/api/v1/apps"
SECRET = "secret-" + "s" * 57
BODY = {"label": "Awesome App", "scopes": ["hello:read"]}


def post_register(client: APIClient, body=None, **extra):
    return client.post("/register/", body if body is not None else BODY, format="json", **extra)


def assert_error(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] == error and body["error_description"]
    return body


class TestRegister:
    def test_staff_session_with_csrf(self, staff_client, okta_http):
        okta_http.post(APPS, json=okta_app(secret=SECRET))
        response = post_register(staff_client, **CSRF)
        assert response.status_code == 201, response.content
        assert response["Cache-Control"] == "no-store" and response["Pragma"] == "no-cache"
        assert response.json() == {
            "client_id": "0oaapp1",
            "client_secret": SECRET,
            "label": "Awesome App",
            "scopes": ["hello:read"],
            "request_token_url": "https://issuer.test/oauth2/default/v1/token",
        }
        row = RegisteredClient.objects.get()
        assert row.created_by.username == "admin" and row.creator == "user:admin"

    def test_staff_session_without_csrf_is_refused(self, staff_client, okta_http):
        assert_error(post_register(staff_client), 403, "permission_denied")
        assert not provider_calls(okta_http) and not RegisteredClient.objects.exists()

    def test_token_with_the_register_scope(self, bearer, okta_http):
        okta_http.post(APPS, json=okta_app(secret=SECRET))
        response = post_register(bearer("clients:register", "hello:read", client_id="ci-bot"))
        assert response.status_code == 201, response.content
        assert RegisteredClient.objects.get().creator == "client:ci-bot"

    def test_no_credentials_is_401_with_a_bearer_challenge(self, api_client, okta_http):
        response = post_register(api_client)
        assert_error(response, 401, "unauthorized")
        assert bearer_params(response) == {
            "realm": "api",
            "scope": "clients:register",
            "resource_metadata": RESOURCE_METADATA,
        }
        assert response["Cache-Control"] == "no-store"

    def test_token_without_the_scope_is_403_insufficient_scope(self, bearer, okta_http):
        response = post_register(bearer("hello:read", "clients:manage"))
        assert_error(response, 403, "insufficient_scope")
        assert 'error="insufficient_scope"' in response["WWW-Authenticate"]
        assert 'scope="clients:register"' in response["WWW-Authenticate"]
        assert response.json()["scope"] == "clients:register"
        assert not provider_calls(okta_http)

    def test_non_staff_user_is_403(self, okta_http):
        user = get_user_model().objects.create_user("plain", password="pw-plain-1")
        client = APIClient()
        client.force_login(user)
        response = post_register(client)
        assert_error(response, 403, "insufficient_scope")
        assert 'scope="clients:register"' in response["WWW-Authenticate"]

    def test_a_client_cannot_grant_scopes_it_lacks(self, bearer, okta_http):
        response = post_register(bearer("clients:register"), {"label": "Escalate", "scopes": ["clients:manage"]})
        assert_error(response, 403, "insufficient_scope")
        assert 'scope="clients:manage"' in response["WWW-Authenticate"]
        assert response.json()["scope"] == "clients:manage"
        assert not provider_calls(okta_http)

    def test_get_creates_nothing(self, staff_client, okta_http):
        response = staff_client.get("/register/?label=Awesome")
        assert response.status_code == 200 and "POST" in response.json()["description"]
        assert not provider_calls(okta_http) and not RegisteredClient.objects.exists()

    @pytest.mark.parametrize(
        ("body", "field"),
        [
            ({"scopes": ["hello:read"]}, "label"),
            ({"label": "App"}, "scopes"),
            ({"label": "App", "scopes": 3}, "scopes"),
        ],
    )
    def test_invalid_body(self, staff_client, okta_http, body, field):
        body = assert_error(post_register(staff_client, body, **CSRF), 400, "invalid_request")
        assert field in body["fields"]

    def test_invalid_scope_name(self, staff_client, okta_http):
        body = assert_error(
            post_register(staff_client, {"label": "A", "scopes": ['a"b']}, **CSRF), 400, "invalid_request"
        )
        assert "RFC 6749" in body["error_description"]

    def test_scopes_as_a_space_delimited_string(self, staff_client, okta_http):
        okta_http.post(APPS, json=okta_app(secret=SECRET))
        response = post_register(staff_client, {"label": "App", "scopes": "hello:read clients:register"}, **CSRF)
        assert response.status_code == 201
        assert RegisteredClient.objects.get().scopes == ["hello:read", "clients:register"]

    def test_idempotency_key_replays_the_first_answer(self, staff_client, okta_http):
        okta_http.post(APPS, json=okta_app(secret=SECRET))
        first = post_register(staff_client, HTTP_IDEMPOTENCY_KEY='"retry-1"', **CSRF)
        again = post_register(staff_client, HTTP_IDEMPOTENCY_KEY='"retry-1"', **CSRF)
        assert first.status_code == again.status_code == 201
        assert again.json() == first.json() and again["Idempotent-Replayed"] == "true"
        assert len(provider_calls(okta_http)) == 1
        other = post_register(
            staff_client, {"label": "Other", "scopes": ["hello:read"]}, HTTP_IDEMPOTENCY_KEY="retry-1", **CSRF
        )
        assert_error(other, 422, "idempotency_key_reused")

    def test_bad_idempotency_key(self, staff_client, okta_http):
        assert_error(post_register(staff_client, HTTP_IDEMPOTENCY_KEY="x" * 300, **CSRF), 400, "invalid_request")

    def test_registration_is_throttled(self, staff_client, okta_http, settings):
        settings.REGISTRATION = {**settings.REGISTRATION, "THROTTLE_RATE": "2/minute"}
        okta_http.post(APPS, json=okta_app(secret=SECRET))
        okta_http.post(APPS, json=okta_app("0oaapp2", secret=SECRET))
        assert [post_register(staff_client, **CSRF).status_code for _ in range(2)] == [201, 201]
        response = post_register(staff_client, **CSRF)
        assert_error(response, 429, "throttled")
        assert int(response["Retry-After"]) > 0
        assert len(provider_calls(okta_http)) == 2
        assert staff_client.get("/clients/").status_code == 200  # reading is not throttled


@pytest.mark.parametrize(
    ("fake", "status", "error", "text"),
    [
        ({"json": okta_error("E0000001", "Api validation failed: profile.scopes",
                             ["profile.scopes: unknown scope 'nope'."]), "status": 400},
         400, "invalid_client_metadata", "unknown scope 'nope'"),
        ({"json": okta_error("E0000011", "Invalid token provided"), "status": 401},
         502, "provider_credentials_rejected", "check TOKEN"),
        ({"json": okta_error("E0000047", "API call exceeded rate limit"), "status": 429,
          "headers": {"X-Rate-Limit-Reset": "9999999999"}},
         503, "temporarily_unavailable", "rate limit"),
        ({"body": requests.ReadTimeout("slow")}, 504, "provider_timeout", "in time"),
        ({"json": {}, "status": 500}, 502, "provider_error", "HTTP 500"),
        ({"body": "<html>oops</html>", "status": 200}, 502, "provider_error", "not valid JSON"),
    ],
)  # fmt: skip
def test_provider_errors_map_to_clear_responses(staff_client, okta_http, fake, status, error, text):
    okta_http.post(APPS, **fake)
    okta_http.get(APPS, json=[])  # the search after an ambiguous outcome
    response = post_register(staff_client, **CSRF)
    body = assert_error(response, status, error)
    assert text in body["error_description"]
    assert response["Cache-Control"] == "no-store"
    if status == 503:
        assert int(response["Retry-After"]) > 10
    assert not RegisteredClient.objects.filter(status="active").exists()
    # A request the provider refuses as invalid leaves no record; a provider fault a failed one.
    assert list(RegisteredClient.objects.values_list("status", flat=True)) == ([] if status == 400 else ["failed"])


class TestClients:
    @pytest.fixture
    def rows(self):
        RegisteredClient.objects.create(
            label="One", client_id="0oa1", provider_reference="0oa1", provider="default", status="active"
        )
        RegisteredClient.objects.create(
            label="Two", client_id="0oa2", provider_reference="0oa2", provider="default", status="inactive"
        )

    def test_list_and_filter(self, staff_client, rows):
        response = staff_client.get("/clients/")
        assert response.status_code == 200
        assert [c["client_id"] for c in response.json()["results"]] == ["0oa2", "0oa1"]
        assert [c["client_id"] for c in staff_client.get("/clients/?status=active").json()["results"]] == ["0oa1"]
        assert '"client_secret"' not in response.content.decode()  # no such member (auth_method may name it)

    def test_detail_and_404(self, staff_client, rows):
        assert staff_client.get("/clients/0oa1/").json()["label"] == "One"
        assert_error(staff_client.get("/clients/nope/"), 404, "not_found")

    def test_manage_scope_required(self, bearer, rows):
        assert bearer("clients:manage").get("/clients/").status_code == 200
        assert_error(bearer("clients:register").get("/clients/"), 403, "insufficient_scope")

    def test_actions(self, bearer, rows, okta_http):
        client = bearer("clients:manage")
        okta_http.post(f"{APPS}/0oa1/lifecycle/deactivate", json={})
        okta_http.post(f"{APPS}/0oa2/lifecycle/activate", json={})
        okta_http.delete(f"{APPS}/0oa1", status=204)
        assert client.post("/clients/0oa1/deactivate/").json()["status"] == "inactive"
        assert client.post("/clients/0oa2/activate/").json()["status"] == "active"
        assert client.delete("/clients/0oa1/").status_code == 204
        assert RegisteredClient.objects.get(client_id="0oa1").status == "deleted"
        assert_error(client.post("/clients/0oa1/activate/"), 409, "invalid_state")

    def test_action_failure_leaves_the_row(self, staff_client, rows, okta_http):
        okta_http.post(f"{APPS}/0oa1/lifecycle/deactivate", body=requests.ConnectTimeout("slow"))
        assert_error(staff_client.post("/clients/0oa1/deactivate/", **CSRF), 504, "provider_timeout")
        assert RegisteredClient.objects.get(client_id="0oa1").status == "active"

    def test_actions_need_csrf_in_a_session(self, staff_client, rows, okta_http):
        assert_error(staff_client.post("/clients/0oa1/deactivate/"), 403, "permission_denied")
        assert not provider_calls(okta_http)


class TestBrowsableAPI:
    def test_staff_gets_a_usable_form(self, staff_client):
        response = staff_client.get("/register/", HTTP_ACCEPT="text/html")
        assert response.status_code == 200
        html = response.content.decode()
        assert 'name="label"' in html and 'name="scopes"' in html and "csrfmiddlewaretoken" in html

    def test_the_form_registers(self, staff_client, okta_http):
        okta_http.post(APPS, json=okta_app(secret=SECRET))
        response = staff_client.post(
            "/register/", {"label": "From the form", "scopes": "hello:read"}, HTTP_ACCEPT="text/html", **CSRF
        )
        assert response.status_code == 201
        assert SECRET in response.content.decode() and response["Cache-Control"] == "no-store"
        assert RegisteredClient.objects.get().label == "From the form"

    def test_the_description_is_rendered_markdown(self, staff_client):
        html = staff_client.get("/register/", HTTP_ACCEPT="text/html").content.decode()
        # The view's docstring, through DRF's markdown rendering: code spans, not raw backticks.
        assert "Send <code>Idempotency-Key</code> to retry safely." in html
        assert "`Idempotency-Key`" not in html

    def test_clients_page_renders(self, staff_client):
        assert staff_client.get("/clients/", HTTP_ACCEPT="text/html").status_code == 200


def test_database_failure_is_a_503_with_retry_after(staff_client, okta_http, monkeypatch):
    def unavailable(*args, **kwargs):
        raise OperationalError("the database system is shutting down")

    monkeypatch.setattr(RegisteredClient.objects, "create", unavailable)
    response = post_register(staff_client, **CSRF)
    body = assert_error(response, 503, "temporarily_unavailable")
    assert "nothing was created" in body["error_description"]
    assert int(response["Retry-After"]) > 0
    assert not provider_calls(okta_http)
