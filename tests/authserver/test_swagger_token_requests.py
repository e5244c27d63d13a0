"""The token endpoint accepts the requests Swagger UI's Authorize dialog sends from the docs page."""

import pytest

from .conftest import SECRET, basic

# What swagger-ui adds to its token request, and what drf-spectacular's init script adds for POSTs.
BROWSER_HEADERS = {"HTTP_X_REQUESTED_WITH": "XMLHttpRequest", "HTTP_X_CSRFTOKEN": "not-checked-here"}


@pytest.fixture
def browser_client(client):
    # A real browser on the docs page may carry a session and enforces CSRF for session views.
    client.handler.enforce_csrf_checks = True
    return client


def test_client_secret_basic(browser_client, oauth_client):
    response = browser_client.post(
        "/oauth2/default/v1/token",
        {"grant_type": "client_credentials", "scope": "hello:read"},
        HTTP_AUTHORIZATION=basic("test-client", SECRET),
        **BROWSER_HEADERS,
    )
    assert response.status_code == 200, response.content
    assert response.json()["token_type"] == "Bearer"


def test_client_secret_post(browser_client, oauth_client):
    response = browser_client.post(
        "/oauth2/default/v1/token",
        {
            "grant_type": "client_credentials",
            "scope": "hello:read",
            "client_id": "test-client",
            "client_secret": SECRET,
        },
        **BROWSER_HEADERS,
    )
    assert response.status_code == 200, response.content
    assert response.json()["scope"] == "hello:read"
