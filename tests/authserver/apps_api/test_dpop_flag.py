"""`settings.oauthClient.dpop_bound_access_tokens` through the Apps API (Okta's flag, RFC 9449 §5.2)."""

import pytest

from authserver.models import Client

from .conftest import assert_okta_error


def test_the_flag_is_set_and_shown(okta, create_body):
    create_body["settings"]["oauthClient"]["dpop_bound_access_tokens"] = True
    response = okta.post("/api/v1/apps", create_body)
    assert response.status_code == 200, response.content
    app = response.json()
    assert app["settings"]["oauthClient"]["dpop_bound_access_tokens"] is True
    assert Client.objects.get(app_id=app["id"]).dpop_bound_access_tokens is True
    assert okta.get(f"/api/v1/apps/{app['id']}").json()["settings"]["oauthClient"]["dpop_bound_access_tokens"]


def test_the_flag_defaults_to_false(okta):
    assert okta.create()["settings"]["oauthClient"]["dpop_bound_access_tokens"] is False


@pytest.mark.parametrize("value", ["true", 1, [], {}])
def test_a_flag_that_is_no_boolean_is_refused(okta, create_body, value):
    create_body["settings"]["oauthClient"]["dpop_bound_access_tokens"] = value
    body = assert_okta_error(okta.post("/api/v1/apps", create_body), 400, "E0000001")
    assert any("dpop_bound_access_tokens" in cause["errorSummary"] for cause in body["errorCauses"])
