"""Every path of the embedded server answers JSON: unknown server ids and paths (404), wrong methods (405)."""

import pytest

from authserver.models import AdminApiToken


def assert_json_error(response, status: int, error: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["error"] == error
    assert body["error_description"]
    assert response["Cache-Control"] == "no-store"
    return body


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    "path",
    [
        "/oauth2/other/v1/token",
        "/oauth2/other/v1/introspect",
        "/oauth2/other/v1/revoke",
        "/oauth2/other/v1/keys",
        "/oauth2/other/v1/authorize",
        "/oauth2/other/.well-known/oauth-authorization-server",
        "/oauth2/other/.well-known/openid-configuration",
        "/.well-known/oauth-authorization-server/oauth2/other",
        "/oauth2/default/v1/userinfo",
        "/oauth2/default/v1/nothing/here",
        "/oauth2/v1/elsewhere",
        "/oauth2/",
    ],
)
def test_unknown_servers_and_paths_are_json_404(client, path, method):
    response = getattr(client, method)(path)
    if response.status_code == 405:  # the method is checked first where the path names an endpoint
        assert_json_error(response, 405, "method_not_allowed")
    else:
        assert_json_error(response, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("get", "/oauth2/default/v1/token", "POST"),
        ("put", "/oauth2/default/v1/token", "POST"),
        ("get", "/oauth2/default/v1/introspect", "POST"),
        ("delete", "/oauth2/default/v1/revoke", "POST"),
        ("post", "/oauth2/default/v1/keys", "GET"),
        ("post", "/oauth2/default/.well-known/oauth-authorization-server", "GET"),
        ("get", "/oauth2/v1/clients", "POST"),
        ("patch", "/oauth2/v1/clients/some-client", "GET"),
    ],
)
def test_wrong_methods_are_json_405_with_allow(client, method, path, allow):
    response = getattr(client, method)(path)
    assert_json_error(response, 405, "method_not_allowed")
    assert allow in response["Allow"]


def test_unknown_apps_api_paths_are_okta_404(client):
    token = AdminApiToken.issue("x")[1]
    for path in ("/api/v1/users", "/api/v1/apps/0oa123/credentials/nothing/x", "/api/v1/"):
        response = client.get(path, HTTP_AUTHORIZATION=f"SSWS {token}")
        assert response.status_code == 404, path
        assert response.json()["errorCode"] == "E0000007"
        assert response["Cache-Control"] == "no-store"


def test_login_without_next_lands_on_a_page_that_exists(client, django_user_model):
    django_user_model.objects.create_user("ops", "ops@example.test", "pw-ops-123456", is_staff=True)
    page = client.get("/api-auth/login/")
    response = client.post("/api-auth/login/", {"username": "ops", "password": "pw-ops-123456"})
    assert page.status_code == 200
    assert response.status_code == 302
    assert response["Location"] == "/register/"
    assert client.get(response["Location"], HTTP_ACCEPT="text/html").status_code == 200


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_unknown_path_is_never_repeated_in_the_404(client, method):
    for hostile in ("%3Cscript%3Ealert(1)%3C/script%3E", "eyJhbGciOiJub25lIn0.e30.", "A" * 20_000):
        body = assert_json_error(getattr(client, method)(f"/oauth2/default/v1/{hostile}"), 404, "not_found")
        assert body["error_description"] == "No endpoint at this path."
