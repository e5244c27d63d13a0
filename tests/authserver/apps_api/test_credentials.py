"""Okta's credentials API: keyless apps (`private_key_jwt`), their keys, and client secret rotation."""

import pytest

from authserver.models import ClientKey, ClientSecret
from tests.support.assertions import assertion_form, make_assertion, private_jwk, public_jwk, rsa_private_key

from ..conftest import basic
from .conftest import assert_okta_error

TOKEN = "/oauth2/default/v1/token"


def keyless_body(okta_body: dict, *jwks: dict) -> dict:
    okta_body["credentials"]["oauthClient"]["token_endpoint_auth_method"] = "private_key_jwt"
    okta_body["settings"]["oauthClient"]["jwks"] = {"keys": list(jwks)}
    return okta_body


@pytest.fixture
def keyless_app(okta, create_body, key) -> dict:
    response = okta.post("/api/v1/apps", keyless_body(create_body, public_jwk(key, "key-1", "RS256")))
    assert response.status_code == 200, response.content
    return response.json()


@pytest.fixture
def secret_app(okta) -> dict:
    return okta.create("Secret App")


def token_by_assertion(client, key, client_id: str, kid: str = "key-1"):
    return client.post(TOKEN, assertion_form(make_assertion(key, client_id, kid=kid)))


def token_by_secret(client, client_id: str, secret: str):
    return client.post(TOKEN, {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic(client_id, secret))


# -- a keyless app -----------------------------------------------------------------------------


def test_a_private_key_jwt_app_has_keys_and_no_secret(keyless_app, client, key):
    oauth = keyless_app["credentials"]["oauthClient"]
    assert oauth["token_endpoint_auth_method"] == "private_key_jwt"
    assert "client_secret" not in oauth
    [jwk] = keyless_app["settings"]["oauthClient"]["jwks"]["keys"]
    expected = public_jwk(key, "key-1", "RS256")
    assert jwk == {name: value for name, value in expected.items() if name != "key_ops"}
    assert not ClientSecret.objects.filter(client__app_id=keyless_app["id"]).exists()
    assert token_by_assertion(client, key, oauth["client_id"]).status_code == 200


@pytest.mark.parametrize(
    ("change", "cause"),
    [
        (lambda body, key: body["settings"]["oauthClient"].pop("jwks"), "needs its public keys"),
        (lambda body, key: body["settings"]["oauthClient"].update(jwks={"keys": []}), "non-empty"),
        (lambda body, key: body["settings"]["oauthClient"].update(jwks={"keys": [private_jwk(key, "k")]}), "private"),
        (lambda body, key: body["settings"]["oauthClient"].update(jwks={"keys": [{"kty": "RSA", "n": "x"}]}), "kid"),
        (
            lambda body, key: body["settings"]["oauthClient"].update(
                jwks={"keys": [public_jwk(key, "same"), public_jwk(key, "same")]}
            ),
            "unique",
        ),
        (
            lambda body, key: body["settings"]["oauthClient"].update(
                jwks={"keys": [public_jwk(rsa_private_key(1024), "weak")]}
            ),
            "2,048",
        ),
        (
            lambda body, key: body["settings"]["oauthClient"].update(
                jwks={"keys": [{**public_jwk(key, "enc"), "use": "enc"}]}
            ),
            "signing keys",
        ),
        (
            lambda body, key: body["settings"]["oauthClient"].update(jwks={"keys": [public_jwk(key, "h", "HS256")]}),
            "alg",
        ),
        (
            lambda body, key: body["settings"]["oauthClient"].update(
                jwks={"keys": [public_jwk(key, f"k{n}") for n in range(51)]}
            ),
            "(50)",
        ),
        (lambda body, key: body["settings"]["oauthClient"].update(jwks_uri="http://example.com/keys"), "not both"),
    ],
)
def test_create_refuses_bad_keys_with_okta_errors(okta, create_body, key, change, cause):
    body = keyless_body(create_body, public_jwk(key, "key-1"))
    change(body, key)
    error = assert_okta_error(okta.post("/api/v1/apps", body), 400, "E0000001")
    assert any(cause in item["errorSummary"] for item in error["errorCauses"]), error


def test_a_private_key_sent_by_mistake_is_not_echoed_or_kept(okta, create_body, key):
    leaked = private_jwk(key, "k")
    body = keyless_body(create_body, leaked)
    response = okta.post("/api/v1/apps", body)
    assert response.status_code == 400
    assert leaked["d"] not in response.content.decode()
    assert not ClientKey.objects.exists()


def test_a_secret_app_cannot_carry_keys(okta, create_body, key):
    create_body["settings"]["oauthClient"]["jwks"] = {"keys": [public_jwk(key, "k")]}
    assert_okta_error(okta.post("/api/v1/apps", create_body), 400, "E0000001")


# -- /credentials/jwks -------------------------------------------------------------------------


def test_key_rotation_without_downtime(okta, keyless_app, client, key, second_key):
    app_id, client_id = keyless_app["id"], keyless_app["credentials"]["oauthClient"]["client_id"]
    base = f"/api/v1/apps/{app_id}/credentials/jwks"
    [first] = okta.get(base).json()
    assert first["id"].startswith("pks") and first["status"] == "ACTIVE" and first["kid"] == "key-1"
    assert "deactivate" in first["_links"]

    added = okta.post(base, public_jwk(second_key, "key-2", "RS256"))
    assert added.status_code == 201, added.content
    second = added.json()
    assert second["status"] == "ACTIVE" and second["n"] == public_jwk(second_key, "key-2")["n"]
    # Both keys work during the switch.
    assert token_by_assertion(client, key, client_id).status_code == 200
    assert token_by_assertion(client, second_key, client_id, "key-2").status_code == 200

    # Only an inactive key can be deleted.
    assert_okta_error(okta.delete(f"{base}/{first['id']}"), 400, "E0000001")
    deactivated = okta.post(f"{base}/{first['id']}/lifecycle/deactivate")
    assert deactivated.status_code == 200 and deactivated.json()["status"] == "INACTIVE"
    assert set(deactivated.json()["_links"]) == {"activate", "delete"}
    assert token_by_assertion(client, key, client_id).status_code == 401
    assert token_by_assertion(client, second_key, client_id, "key-2").status_code == 200
    assert okta.delete(f"{base}/{first['id']}").status_code == 204
    assert_okta_error(okta.get(f"{base}/{first['id']}"), 404, "E0000007")
    assert [k["kid"] for k in okta.get(base).json()] == ["key-2"]

    # The last active key of a private_key_jwt app stays active.
    error = assert_okta_error(okta.post(f"{base}/{second['id']}/lifecycle/deactivate"), 400, "E0000001")
    assert "only active JSON Web Key" in error["errorCauses"][0]["errorSummary"]
    assert okta.get(f"/api/v1/apps/{app_id}").json()["settings"]["oauthClient"]["jwks"]["keys"][0]["kid"] == "key-2"


def test_add_key_refusals(okta, keyless_app, key, second_key):
    base = f"/api/v1/apps/{keyless_app['id']}/credentials/jwks"
    error = assert_okta_error(okta.post(base, public_jwk(second_key, "key-1")), 400, "E0000001")
    assert error["errorSummary"] == "Api validation failed: JsonWebKey"
    assert "unique" in error["errorCauses"][0]["errorSummary"]
    response = okta.post(base, private_jwk(second_key, "key-9"))
    assert_okta_error(response, 400, "E0000001")
    assert private_jwk(second_key, "key-9")["d"] not in response.content.decode()
    assert_okta_error(okta.post(base, {**public_jwk(second_key, "key-3"), "status": "MAYBE"}), 400, "E0000001")
    for n in range(49):
        assert okta.post(base, public_jwk(second_key, f"more-{n}")).status_code == 201
    error = assert_okta_error(okta.post(base, public_jwk(second_key, "one-too-many")), 400, "E0000001")
    assert "maximum number of keys allowed (50)" in error["errorCauses"][0]["errorSummary"]


def test_an_inactive_key_can_be_added_and_activated(okta, keyless_app, client, second_key):
    base = f"/api/v1/apps/{keyless_app['id']}/credentials/jwks"
    key = okta.post(base, {**public_jwk(second_key, "key-2"), "status": "INACTIVE"}).json()
    client_id = keyless_app["credentials"]["oauthClient"]["client_id"]
    assert token_by_assertion(client, second_key, client_id, "key-2").status_code == 401
    assert okta.post(f"{base}/{key['id']}/lifecycle/activate").json()["status"] == "ACTIVE"
    assert token_by_assertion(client, second_key, client_id, "key-2").status_code == 200


def test_unknown_app_or_key_is_404(okta, keyless_app, secret_app):
    assert_okta_error(okta.get("/api/v1/apps/0oanope/credentials/jwks"), 404, "E0000007")
    assert_okta_error(okta.get(f"/api/v1/apps/{keyless_app['id']}/credentials/jwks/pksnope"), 404, "E0000007")
    # Another app's key is not found through this one.
    key_id = okta.get(f"/api/v1/apps/{keyless_app['id']}/credentials/jwks").json()[0]["id"]
    assert_okta_error(okta.get(f"/api/v1/apps/{secret_app['id']}/credentials/jwks/{key_id}"), 404, "E0000007")


def test_credentials_need_the_api_token(client, keyless_app):
    response = client.get(f"/api/v1/apps/{keyless_app['id']}/credentials/jwks")
    assert_okta_error(response, 401, "E0000011")
    assert_okta_error(client.post(f"/api/v1/apps/{keyless_app['id']}/credentials/secrets"), 401, "E0000011")


# -- /credentials/secrets ----------------------------------------------------------------------


def test_secret_rotation_without_downtime(okta, secret_app, client):
    app_id = secret_app["id"]
    oauth = secret_app["credentials"]["oauthClient"]
    client_id, old = oauth["client_id"], oauth["client_secret"]
    base = f"/api/v1/apps/{app_id}/credentials/secrets"
    [first] = okta.get(base).json()
    assert first["id"].startswith("ocs") and first["status"] == "ACTIVE"
    assert "client_secret" not in first  # kept hashed: shown once, when created

    created = okta.post(base)
    assert created.status_code == 201, created.content
    second = created.json()
    new = second["client_secret"]
    assert second["status"] == "ACTIVE" and len(new) >= 64 and second["secret_hash"]
    assert "client_secret" not in okta.get(f"{base}/{second['id']}").json()
    assert token_by_secret(client, client_id, old).status_code == 200
    assert token_by_secret(client, client_id, new).status_code == 200

    error = assert_okta_error(okta.post(base), 400, "E0000001")
    assert error["errorSummary"] == "Api validation failed: OAuth2ClientSecretMediated"
    assert "maximum number of client secrets" in error["errorCauses"][0]["errorSummary"]

    assert_okta_error(okta.delete(f"{base}/{first['id']}"), 400, "E0000001")
    assert okta.post(f"{base}/{first['id']}/lifecycle/deactivate").json()["status"] == "INACTIVE"
    assert token_by_secret(client, client_id, old).status_code == 401
    assert token_by_secret(client, client_id, new).status_code == 200
    assert okta.delete(f"{base}/{first['id']}").status_code == 204
    assert [s["id"] for s in okta.get(base).json()] == [second["id"]]

    error = assert_okta_error(okta.post(f"{base}/{second['id']}/lifecycle/deactivate"), 400, "E0000001")
    assert "only active client secret" in error["errorCauses"][0]["errorSummary"]


@pytest.mark.parametrize(
    ("body", "cause"),
    [
        ({"client_secret": "short"}, "at least '14'"),
        ({"client_secret": "x" * 101}, "more than '100'"),
        ({"client_secret": "non-ascii-secret-é-1234"}, "printable ASCII"),
        ({"client_secret": 12345678901234567}, "string"),
        ({"status": "SOMETIMES"}, "ACTIVE or INACTIVE"),
    ],
)
def test_create_secret_refusals(okta, secret_app, body, cause):
    error = assert_okta_error(okta.post(f"/api/v1/apps/{secret_app['id']}/credentials/secrets", body), 400, "E0000001")
    assert cause in error["errorCauses"][0]["errorSummary"]


def test_a_supplied_secret_works_and_is_fingerprinted(okta, secret_app, client):
    supplied = "my-own-secret-0123456789"
    created = okta.post(f"/api/v1/apps/{secret_app['id']}/credentials/secrets", {"client_secret": supplied}).json()
    assert created["client_secret"] == supplied
    assert supplied not in created["secret_hash"]
    assert token_by_secret(client, secret_app["credentials"]["oauthClient"]["client_id"], supplied).status_code == 200


def test_a_keyless_app_gets_no_secret(okta, keyless_app):
    error = assert_okta_error(okta.post(f"/api/v1/apps/{keyless_app['id']}/credentials/secrets"), 400, "E0000001")
    assert "private_key_jwt" in error["errorCauses"][0]["errorSummary"]
    assert okta.get(f"/api/v1/apps/{keyless_app['id']}/credentials/secrets").json() == []


def test_a_malformed_body_is_e0000003(okta, secret_app):
    error = assert_okta_error(okta.post(f"/api/v1/apps/{secret_app['id']}/credentials/jwks", []), 400, "E0000003")
    assert error["errorSummary"]
