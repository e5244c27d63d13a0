"""The Apps API's `SSWS` authentication and transport policy."""

import pytest

from authserver.models import AdminApiToken

from .conftest import assert_okta_error

PATHS = [
    ("get", "/api/v1/apps"),
    ("post", "/api/v1/apps"),
    ("get", "/api/v1/apps/0oa00000000000000000"),
    ("delete", "/api/v1/apps/0oa00000000000000000"),
    ("post", "/api/v1/apps/0oa00000000000000000/lifecycle/deactivate"),
    ("post", "/api/v1/apps/0oa00000000000000000/lifecycle/activate"),
]


@pytest.mark.parametrize(("method", "path"), PATHS)
@pytest.mark.parametrize("header", [None, "SSWS wrong-token", "Bearer {token}", "SSWS ", "SSWS " + "x" * 600])
def test_missing_or_bad_token_is_e0000011(client, admin_token, method, path, header):
    extra = {"HTTP_AUTHORIZATION": header.format(token=admin_token)} if header else {}
    response = getattr(client, method)(path, **extra)
    assert_okta_error(response, 401, "E0000011")
    assert response["WWW-Authenticate"].startswith("SSWS")


def test_scheme_is_case_insensitive(client, admin_token):
    assert client.get("/api/v1/apps", HTTP_AUTHORIZATION=f"ssws {admin_token}").status_code == 200


def test_revoked_token_is_refused(client, admin_token):
    AdminApiToken.objects.update(is_active=False)
    assert_okta_error(client.get("/api/v1/apps", HTTP_AUTHORIZATION=f"SSWS {admin_token}"), 401, "E0000011")


def test_plain_http_from_another_host_is_refused(client, admin_token):
    response = client.get("/api/v1/apps", HTTP_AUTHORIZATION=f"SSWS {admin_token}", REMOTE_ADDR="203.0.113.9")
    body = assert_okta_error(response, 403, "E0000006")
    assert "HTTPS" in body["errorSummary"]


def test_https_from_another_host_is_accepted(client, admin_token):
    response = client.get(
        "/api/v1/apps", HTTP_AUTHORIZATION=f"SSWS {admin_token}", REMOTE_ADDR="203.0.113.9", secure=True
    )
    assert response.status_code == 200


def test_a_setting_can_allow_plain_http(client, admin_token, settings):
    settings.AUTHSERVER = {**settings.AUTHSERVER, "ALLOW_INSECURE_HTTP": True}
    response = client.get("/api/v1/apps", HTTP_AUTHORIZATION=f"SSWS {admin_token}", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 200


def test_ipv6_loopback_is_accepted(client, admin_token):
    assert client.get("/api/v1/apps", HTTP_AUTHORIZATION=f"SSWS {admin_token}", REMOTE_ADDR="::1").status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [("put", "/api/v1/apps"), ("patch", "/api/v1/apps/0oa1"), ("get", "/api/v1/apps/0oa1/lifecycle/activate")],
)
def test_unsupported_methods_are_e0000022(okta, client, admin_token, method, path):
    response = getattr(client, method)(path, HTTP_AUTHORIZATION=f"SSWS {admin_token}")
    assert_okta_error(response, 405, "E0000022")
