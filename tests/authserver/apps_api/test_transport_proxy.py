"""The admin API's http rule behind a reverse proxy on the same host (authserver/transport.py)."""

import pytest
import requests
from django.test import override_settings

from authserver.models import AdminApiToken

FORWARDED_REMOTE_HTTP = [
    {"HTTP_X_FORWARDED_FOR": "203.0.113.9"},
    {"HTTP_X_FORWARDED_PROTO": "http"},
    {"HTTP_FORWARDED": "for=203.0.113.9;proto=http"},
    {"HTTP_X_REAL_IP": "203.0.113.9"},
    {"HTTP_X_FORWARDED_FOR": "203.0.113.9", "HTTP_X_FORWARDED_PROTO": "http"},
]


def list_apps(client, token, **extra):
    return client.get("/api/v1/apps", HTTP_AUTHORIZATION=f"SSWS {token}", REMOTE_ADDR="127.0.0.1", **extra)


def test_direct_loopback_http_is_accepted(client, admin_token):
    assert list_apps(client, admin_token).status_code == 200


@pytest.mark.parametrize("forwarding", FORWARDED_REMOTE_HTTP)
def test_plain_http_forwarded_by_a_local_proxy_is_refused(client, admin_token, forwarding):
    response = list_apps(client, admin_token, **forwarding)
    assert response.status_code == 403
    assert response.json()["errorCode"] == "E0000006"


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_https_reported_by_the_trusted_proxy_header_is_accepted(client, admin_token):
    response = list_apps(client, admin_token, HTTP_X_FORWARDED_FOR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https")
    assert response.status_code == 200


@override_settings(SECURE_PROXY_SSL_HEADER=("HTTP_X_FORWARDED_PROTO", "https"))
def test_http_reported_by_the_trusted_proxy_header_is_refused(client, admin_token):
    response = list_apps(client, admin_token, HTTP_X_FORWARDED_FOR="203.0.113.9", HTTP_X_FORWARDED_PROTO="http")
    assert response.status_code == 403


def test_explicit_allow_setting_still_accepts_forwarded_http(client, admin_token, settings):
    settings.AUTHSERVER = {**getattr(settings, "AUTHSERVER", {}), "ALLOW_INSECURE_HTTP": True}
    assert list_apps(client, admin_token, HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 200


@pytest.mark.django_db(transaction=True)
def test_through_real_http_a_forwarded_request_is_refused_and_a_direct_one_accepted(live_server):
    token = AdminApiToken.issue("proxy test")[1]
    url = f"{live_server.url}/api/v1/apps"
    headers = {"Authorization": f"SSWS {token}"}
    assert requests.get(url, headers=headers, timeout=10).status_code == 200
    relayed = requests.get(url, headers={**headers, "X-Forwarded-For": "203.0.113.9"}, timeout=10)
    assert relayed.status_code == 403
    assert relayed.json()["errorCode"] == "E0000006"
