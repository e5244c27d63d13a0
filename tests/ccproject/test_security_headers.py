"""Security headers, https enforcement, staff-only admin and CSRF on session writes."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.authentication import SessionAuthentication
from rest_framework.views import APIView


def test_api_responses_carry_the_security_headers(client):
    response = client.get("/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["Content-Security-Policy"].startswith("default-src 'none'; frame-ancestors 'none'")


def test_html_pages_get_a_policy_that_keeps_them_working(client):
    response = client.get("/admin/login/")
    assert response.status_code == 200
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert "default-src 'none'" not in response["Content-Security-Policy"]


def test_content_security_policy_is_configurable(client, settings):
    settings.CONTENT_SECURITY_POLICY = {"other": ""}
    assert "Content-Security-Policy" not in client.get("/")


def test_production_https_settings_apply(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31_536_000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    settings.SECURE_HSTS_PRELOAD = True
    plain = client.get("/oauth2/default/v1/keys")
    assert plain.status_code == 301
    assert plain["Location"].startswith("https://")
    secure = client.get("/oauth2/default/v1/keys", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"


def test_proxy_ssl_header_marks_requests_secure(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    assert client.get("/oauth2/default/v1/keys", HTTP_X_FORWARDED_PROTO="https").status_code == 200
    assert client.get("/oauth2/default/v1/keys", HTTP_X_FORWARDED_PROTO="http").status_code == 301


@pytest.fixture
def staff():
    return get_user_model().objects.create_user("staff", password="pw-staff-1", is_staff=True)


@pytest.fixture
def member():
    return get_user_model().objects.create_user("member", password="pw-member-1", is_staff=False)


def test_admin_needs_a_login(client):
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_refuses_users_who_are_not_staff(client, member):
    client.force_login(member)
    response = client.get("/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_admin_ignores_bearer_tokens(client, make_token, issuer_http):
    # A valid API token is not a session: the admin never authenticates by it.
    response = client.get("/admin/", HTTP_AUTHORIZATION=f"Bearer {make_token()}")
    assert response.status_code == 302


def test_admin_lets_staff_in(client, staff):
    client.force_login(staff)
    assert client.get("/admin/").status_code == 200


def test_admin_login_sets_secure_httponly_cookies(client, staff, settings):
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    csrf_client = Client(enforce_csrf_checks=True)
    page = csrf_client.get("/admin/login/", secure=True)
    token = page.cookies["csrftoken"].value
    response = csrf_client.post(
        "/admin/login/",
        {"username": "staff", "password": "pw-staff-1", "csrfmiddlewaretoken": token},
        secure=True,
        HTTP_REFERER="https://testserver/admin/login/",  # Django checks it on https
    )
    assert response.status_code == 302
    session = response.cookies["sessionid"]
    assert session["httponly"] and session["secure"] and session["samesite"] == "Lax"


def test_session_writes_need_the_csrf_token(staff):
    csrf_client = Client(enforce_csrf_checks=True)
    csrf_client.force_login(staff)
    assert csrf_client.post("/admin/logout/").status_code == 403
    token = csrf_client.get("/admin/").cookies["csrftoken"].value
    assert csrf_client.post("/admin/logout/", {"csrfmiddlewaretoken": token}).status_code == 200


def _api_views(resolver=None):
    for pattern in (resolver or get_resolver()).url_patterns:
        if isinstance(pattern, URLResolver):
            yield from _api_views(pattern)
        elif isinstance(pattern, URLPattern):
            view_class = getattr(pattern.callback, "cls", None)
            if isinstance(view_class, type) and issubclass(view_class, APIView):
                yield view_class


def test_every_api_view_that_reads_sessions_enforces_csrf():
    """A DRF view reading the session cookie must use SessionAuthentication as is (it enforces CSRF).

    Guards future views (registration, admin APIs) against a `CsrfExempt...` shortcut.
    """
    views = list(_api_views())
    assert views, "no DRF view found: the URL walk is broken"
    for view in views:
        for authentication in view().get_authenticators():
            if "session" in type(authentication).__name__.lower():
                assert isinstance(authentication, SessionAuthentication), view
                assert type(authentication).enforce_csrf is SessionAuthentication.enforce_csrf, view
