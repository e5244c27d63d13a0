"""The `keycloak` profile against a Keycloak-shaped realm over real HTTP.

Claims as Keycloak issues them to a service account (client credentials):
https://www.keycloak.org/docs/latest/server_admin/#_service_accounts (the client in `azp`, and in
`client_id` on service-account tokens; `typ: Bearer` in access tokens, `ID` in ID tokens; client
roles under `resource_access.{client}.roles`) and
https://www.keycloak.org/docs/latest/server_admin/#audience-support (without an audience mapper
the API is not in `aud`). Issuer `{base}/realms/{realm}`; keys at
`.../protocol/openid-connect/certs`, token endpoint `.../protocol/openid-connect/token`.
"""

import uuid

import pytest

from tests.support.vendor_issuer import keycloak_layout

from .conftest import principal, refused, serve

pytestmark = pytest.mark.e2e

CLIENT = "orders-service"
API = "orders-api"


@pytest.fixture(scope="module")
def keycloak():
    issuer = serve(**keycloak_layout())
    yield issuer
    issuer.stop()


def claims(**overrides) -> dict:
    base = {
        "aud": [API, "account"],  # the audience mapper adds the API's client
        "sub": str(uuid.uuid4()),
        "typ": "Bearer",
        "azp": CLIENT,
        "acr": "1",
        "realm_access": {"roles": ["default-roles-demo", "offline_access", "uma_authorization"]},
        "resource_access": {API: {"roles": ["hello:read"]}, "account": {"roles": ["manage-account"]}},
        "scope": "profile email",
        "clientHost": "10.0.0.7",
        "preferred_username": f"service-account-{CLIENT}",
        "client_id": CLIENT,
    }
    return {**base, **overrides}


def test_the_apis_client_roles_count_as_scopes(keycloak, trust, call):
    trust(keycloak, PROFILE="keycloak", AUDIENCE=API, RESOURCE_ACCESS_CLIENT=API)
    token = keycloak.mint(claims())
    assert call(token).json() == "Hello World!"
    assert principal(token) == (CLIENT, frozenset({"profile", "email", "hello:read"}))


def test_client_scopes_alone(keycloak, trust, call):
    trust(keycloak, PROFILE="keycloak", AUDIENCE=API)
    assert principal(keycloak.mint(claims())) == (CLIENT, frozenset({"profile", "email"}))  # roles not asked for
    assert call(keycloak.mint(claims(scope="hello:read"))).json() == "Hello World!"


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"resource_access": {"account": {"roles": ["hello:read"]}}}, 403, "insufficient_scope"),  # another client's
        ({"resource_access": {API: {"roles": ["orders:write"]}}}, 403, "insufficient_scope"),  # a missing role
        ({"resource_access": {API: {"roles": "hello:read"}}}, 401, "invalid_token"),  # malformed
        ({"aud": "account"}, 401, "invalid_token"),  # no audience mapper: not meant for this API
        ({"client_id": "another-client"}, 401, "invalid_token"),  # azp and client_id disagree
    ],
)
def test_refused(keycloak, trust, call, overrides, status, error):
    trust(keycloak, PROFILE="keycloak", AUDIENCE=API, RESOURCE_ACCESS_CLIENT=API)
    refused(call(keycloak.mint(claims(**overrides))), status, error)


def test_an_id_token_is_refused(keycloak, trust, call):
    trust(keycloak, PROFILE="keycloak", AUDIENCE=API, RESOURCE_ACCESS_CLIENT=API)
    id_token = keycloak.mint(claims(typ="ID", aud=API, nonce="n-0S6_WzA2Mj"))
    assert "'typ' claim must be 'Bearer'" in refused(call(id_token), 401, "invalid_token")


def test_only_allowed_clients(keycloak, trust, call):
    trust(keycloak, PROFILE="keycloak", AUDIENCE=API, RESOURCE_ACCESS_CLIENT=API, ALLOWED_CLIENT_IDS=["billing"])
    refused(call(keycloak.mint(claims())), 401, "invalid_token")


def test_the_standard_profile_is_unchanged(keycloak, trust, call):
    trust(keycloak, AUDIENCE=API)
    refused(call(keycloak.mint(claims())), 403, "insufficient_scope")  # roles are not scopes
    assert call(keycloak.mint(claims(scope="hello:read"))).json() == "Hello World!"
