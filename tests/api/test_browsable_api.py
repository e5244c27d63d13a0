"""The browsable API explains errors in words: a 401 says how to get a token."""

import pytest
import responses
from django.test import Client

from tests.support.challenges import parse_challenges


@pytest.fixture
def browser() -> Client:
    return Client(HTTP_ACCEPT="text/html")


def test_401_page_explains_how_to_get_a_token(browser, settings):
    issuer = "https://example.okta.com/oauth2/default"
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": issuer}
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        mock.get(  # Okta's RFC 8414 metadata names its token endpoint
            "https://example.okta.com/.well-known/oauth-authorization-server/oauth2/default",
            json={"issuer": issuer, "jwks_uri": f"{issuer}/v1/keys", "token_endpoint": f"{issuer}/v1/token"},
        )
        response = browser.get("/")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("text/html")
    assert [scheme for scheme, _ in parse_challenges(response["WWW-Authenticate"])] == ["Bearer", "DPoP"]
    html = response.content.decode()
    assert 'id="how-to-get-a-token"' in html
    assert "https://example.okta.com/oauth2/default/v1/token" in html
    assert 'href="/api/docs/"' in html
    assert 'manage.py get_token --scope "hello:read"' in html


def test_the_view_description_is_rendered_markdown(browser, make_token, issuer_http):
    response = browser.get("/", HTTP_AUTHORIZATION=f"Bearer {make_token()}")
    assert response.status_code == 200
    html = response.content.decode()
    # HelloView's docstring, through DRF's markdown rendering: code spans, not raw backticks.
    assert "<p><code>GET /</code>: " in html
    assert "`GET /`" not in html


def test_invalid_token_page_shows_the_error_code(browser):
    response = browser.get("/", HTTP_AUTHORIZATION="Bearer a.b.c")
    assert response.status_code == 401
    html = response.content.decode()
    assert "<code>invalid_token</code>" in html
    assert 'id="api-error-description"' in html


def test_json_clients_still_get_json(api_client):
    response = api_client.get("/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


def test_403_page_names_the_missing_scope(browser, make_token, issuer_http):
    response = browser.get("/", HTTP_AUTHORIZATION=f"Bearer {make_token(scp=['other'])}")
    assert response.status_code == 403
    html = response.content.decode()
    assert "<code>insufficient_scope</code>" in html
    assert "The token needs the scope <code>hello:read</code>" in html
    assert 'id="how-to-get-a-token"' not in html


def test_503_page_says_the_token_is_not_at_fault(browser, make_token):
    import responses

    from conftest import ISSUER

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get("https://issuer.test/.well-known/oauth-authorization-server/oauth2/default", status=500)
        mock.get(f"{ISSUER}/.well-known/oauth-authorization-server", status=500)
        mock.get(f"{ISSUER}/.well-known/openid-configuration", status=500)
        response = browser.get("/", HTTP_AUTHORIZATION=f"Bearer {make_token()}")
    assert response.status_code == 503
    assert "Retry-After" in response
    html = response.content.decode()
    assert "Your token is not at fault" in html
    assert "<code>temporarily_unavailable</code>" in html
