"""`POST /api/v1/apps`: Okta's service-app body creates a client whose secret is shown once."""

import pytest

from authserver.models import Client

from ..conftest import basic
from .conftest import assert_okta_error


def test_the_create_body_creates_a_service_app(okta, create_body, client):
    response = okta.post("/api/v1/apps", create_body)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    app = response.json()
    assert app["id"].startswith("0oa") and len(app["id"]) == 20
    assert app["name"] == "oidc_client"
    assert app["label"] == "Awesome App Name"
    assert app["status"] == "ACTIVE"
    assert app["signOnMode"] == "OPENID_CONNECT"
    assert app["created"].endswith("Z") and app["lastUpdated"].endswith("Z")
    oauth_client = app["credentials"]["oauthClient"]
    assert oauth_client["client_id"] == app["id"]
    assert len(oauth_client["client_secret"]) >= 64
    assert oauth_client["token_endpoint_auth_method"] == "client_secret_basic"
    settings_client = app["settings"]["oauthClient"]
    assert settings_client["grant_types"] == ["client_credentials"]
    assert settings_client["application_type"] == "service"
    assert app["profile"] == {"scopes": ["hello:read"]}
    assert app["_links"]["self"]["href"] == f"http://testserver/api/v1/apps/{app['id']}"
    assert app["_links"]["deactivate"]["href"].endswith("/lifecycle/deactivate")

    stored = Client.objects.get(app_id=app["id"])
    assert oauth_client["client_secret"] not in stored.client_secret
    assert stored.client_secret.startswith("ccp_sha256$")

    # The new client gets a token with the server's default scopes.
    token = client.post(
        "/oauth2/default/v1/token",
        {"grant_type": "client_credentials"},
        HTTP_AUTHORIZATION=basic(oauth_client["client_id"], oauth_client["client_secret"]),
    )
    assert token.status_code == 200, token.content


def test_scopes_and_auth_method_can_be_chosen(okta, create_body):
    create_body["profile"] = {"scopes": ["hello:read", "clients:register"]}
    create_body["credentials"]["oauthClient"]["token_endpoint_auth_method"] = "client_secret_post"
    app = okta.post("/api/v1/apps", create_body).json()
    assert app["profile"]["scopes"] == ["hello:read", "clients:register"]
    assert app["credentials"]["oauthClient"]["token_endpoint_auth_method"] == "client_secret_post"
    assert Client.objects.get(app_id=app["id"]).allowed_scope_list == ["hello:read", "clients:register"]


def test_scopes_as_a_space_delimited_string(okta, create_body):
    create_body["profile"] = {"scopes": "hello:read clients:manage"}
    assert okta.post("/api/v1/apps", create_body).json()["profile"]["scopes"] == ["hello:read", "clients:manage"]


def test_activate_false_creates_an_inactive_app(okta, create_body):
    response = okta.post("/api/v1/apps?activate=false", create_body)
    assert response.json()["status"] == "INACTIVE"
    assert "activate" in response.json()["_links"]


def test_secret_is_never_shown_again(okta):
    app = okta.create()
    again = okta.get(f"/api/v1/apps/{app['id']}").json()
    assert "client_secret" not in again["credentials"]["oauthClient"]
    listed = okta.get("/api/v1/apps").json()
    assert all("client_secret" not in item["credentials"]["oauthClient"] for item in listed)


AUTH_METHOD = "credentials.oauthClient.token_endpoint_auth_method"


def _set(body: dict, path: str, value) -> dict:
    *parents, last = path.split(".")
    target = body
    for key in parents:
        target = target.setdefault(key, {})
    target[last] = value
    return body


@pytest.mark.parametrize(
    ("path", "value", "field"),
    [
        ("signOnMode", "SAML_2_0", "signOnMode"),
        ("name", "bookmark", "name"),
        ("label", "", "label"),
        ("label", "x" * 101, "label"),
        ("settings.oauthClient.grant_types", ["authorization_code"], "settings.oauthClient.grant_types"),
        ("settings.oauthClient.application_type", "web", "settings.oauthClient.application_type"),
        ("settings.oauthClient.response_types", ["code"], "settings.oauthClient.response_types"),
        ("settings.oauthClient.redirect_uris", ["https://x.test/cb"], "settings.oauthClient.redirect_uris"),
        ("credentials.oauthClient.client_secret", "chosen", "credentials.oauthClient.client_secret"),
        (
            "credentials.oauthClient.token_endpoint_auth_method",
            "none",
            "credentials.oauthClient.token_endpoint_auth_method",
        ),
        ("profile.scopes", ["admin:everything"], "profile.scopes"),
        ("profile.scopes", [], "profile.scopes"),
        ("profile.scopes", 7, "profile.scopes"),
        ("profile.color", "blue", "profile"),
    ],
)
def test_invalid_bodies_are_e0000001(okta, create_body, path, value, field):
    response = okta.post("/api/v1/apps", _set(create_body, path, value))
    body = assert_okta_error(response, 400, "E0000001")
    assert body["errorSummary"] == f"Api validation failed: {field}"
    assert any(cause["errorSummary"].startswith(field) for cause in body["errorCauses"])
    assert not Client.objects.exists()


def test_every_problem_is_listed(okta):
    body = assert_okta_error(okta.post("/api/v1/apps", {"signOnMode": "BOOKMARK"}), 400, "E0000001")
    assert len(body["errorCauses"]) >= 3


@pytest.mark.parametrize("raw", [b"{not json", b"[1, 2]", b'"text"', b""])
def test_malformed_bodies_are_e0000003(okta, client, admin_token, raw):
    response = client.post(
        "/api/v1/apps", raw, content_type="application/json", HTTP_AUTHORIZATION=f"SSWS {admin_token}"
    )
    assert_okta_error(response, 400, "E0000003")


def test_bad_activate_parameter(okta, create_body):
    assert_okta_error(okta.post("/api/v1/apps?activate=maybe", create_body), 400, "E0000001")


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("[" * 100_000 + "]" * 100_000, "E0000003"),
        ('{"label": ' + "{" * 50_000 + "}" * 50_000 + "}", "E0000003"),
        ('{"label": NaN}', "E0000003"),
        ('{"label": "a\\u0000b"}', "E0000001"),
        ('{"label": "\\ud800"}', "E0000001"),
    ],
    ids=["deep array", "deep label", "NaN", "NUL", "lone surrogate"],
)
def test_hostile_json_is_refused_in_okta_shape(okta, raw, code):
    before = Client.objects.count()
    response = okta.post("/api/v1/apps", raw)
    assert_okta_error(response, 400, code)
    assert Client.objects.count() == before


@pytest.mark.parametrize("label", ["evil\u202etxt.exe", "esc\x1b[31m", "rtl\u2067x", "zero\u200bwidth", "tab\tlabel"])
def test_labels_follow_the_one_label_rule(okta, create_body, label):
    before = Client.objects.count()
    body = {**create_body, "label": label}
    assert_okta_error(okta.post("/api/v1/apps", body), 400, "E0000001")
    assert Client.objects.count() == before
