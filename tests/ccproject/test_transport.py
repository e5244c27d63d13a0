"""The admin API's transport rule: https, or plain http only between loopback addresses."""

import json

import pytest
from django.http import HttpResponse
from django.test import RequestFactory

from ccproject.transport import is_loopback_request, require_secure_transport


@require_secure_transport
def admin_view(request):
    return HttpResponse("ok")


@pytest.fixture
def factory(settings):
    settings.ALLOWED_HOSTS = ["*"]
    return RequestFactory()


@pytest.mark.parametrize(
    ("peer", "host"),
    [
        ("127.0.0.1", "127.0.0.1:8000"),
        ("::1", "[::1]:8000"),
        ("127.0.0.5", "localhost"),
        ("127.0.0.1", "api.localhost"),
    ],
)
def test_plain_http_on_loopback_is_allowed(factory, peer, host):
    request = factory.get("/api/v1/apps", REMOTE_ADDR=peer, HTTP_HOST=host)
    assert is_loopback_request(request)
    assert admin_view(request).status_code == 200


@pytest.mark.parametrize(
    ("peer", "host"),
    [
        ("203.0.113.5", "api.example.com"),
        ("203.0.113.5", "127.0.0.1"),  # a remote peer naming loopback
        ("127.0.0.1", "api.example.com"),  # a local proxy forwarding a remote client
        ("10.0.0.8", "10.0.0.8:8000"),
    ],
)
def test_plain_http_elsewhere_is_refused(factory, peer, host):
    response = admin_view(factory.get("/api/v1/apps", REMOTE_ADDR=peer, HTTP_HOST=host))
    assert response.status_code == 403
    body = json.loads(response.content)
    assert body["error"] == "insecure_transport"
    assert "https" in body["error_description"]


def test_https_is_allowed_from_anywhere(factory):
    request = factory.get("/api/v1/apps", REMOTE_ADDR="203.0.113.5", HTTP_HOST="api.example.com", secure=True)
    assert admin_view(request).status_code == 200


def test_https_behind_a_declared_proxy_is_allowed(factory, settings):
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    request = factory.get(
        "/api/v1/apps", REMOTE_ADDR="127.0.0.1", HTTP_HOST="api.example.com", HTTP_X_FORWARDED_PROTO="https"
    )
    assert admin_view(request).status_code == 200


def test_plain_http_can_be_allowed_explicitly(factory, settings):
    settings.ADMIN_API_ALLOW_HTTP = True
    request = factory.get("/api/v1/apps", REMOTE_ADDR="10.0.0.8", HTTP_HOST="10.0.0.8")
    assert admin_view(request).status_code == 200
