"""The `entra` profile against a Microsoft Entra ID-shaped issuer (v1.0 and v2.0 tokens) over real HTTP.

Claims as Microsoft documents them for app-only (client credentials) access tokens:
https://learn.microsoft.com/entra/identity-platform/access-token-claims-reference (v2.0 names the
client in `azp`, v1.0 in `appid`; application permissions arrive in `roles`, delegated ones in
`scp`; `aud` is the API's application ID URI or client id) and
https://learn.microsoft.com/entra/identity-platform/v2-oauth2-client-creds-grant-flow (app roles,
token endpoint `/{tenant}/oauth2/v2.0/token`). Microsoft.Identity.Web refuses a token with neither
`scp` nor `roles` (IDW10201); so does this profile.
"""

import uuid

import pytest

from .conftest import principal, refused, serve

pytestmark = pytest.mark.e2e

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
API_CLIENT_ID = "6e74172b-be56-4843-9ff4-e66a39bb12e3"
APP_ID_URI = "api://orders-api"
CALLER = "1d9f0a3c-5b8e-4a47-9a63-0c2f4e7b8d21"
ROLE = "Hello.Read"


@pytest.fixture(scope="module")
def v2():
    issuer = serve(
        issuer_path=f"/{TENANT}/v2.0",
        metadata_path=f"/{TENANT}/v2.0/.well-known/openid-configuration",
        jwks_path=f"/{TENANT}/discovery/v2.0/keys",
        token_path=f"/{TENANT}/oauth2/v2.0/token",
    )
    yield issuer
    issuer.stop()


@pytest.fixture(scope="module")
def v1():
    issuer = serve(
        issuer_path=f"/{TENANT}/",
        metadata_path=f"/{TENANT}/.well-known/openid-configuration",
        jwks_path=f"/{TENANT}/discovery/keys",
        token_path=f"/{TENANT}/oauth2/token",
    )
    yield issuer
    issuer.stop()


def v2_claims(**overrides) -> dict:
    object_id = str(uuid.uuid4())
    claims = {
        "aud": API_CLIENT_ID,
        "azp": CALLER,
        "azpacr": "1",
        "idtyp": "app",
        "oid": object_id,
        "sub": object_id,
        "roles": [ROLE],
        "tid": TENANT,
        "uti": "AbCdEf123456",
        "ver": "2.0",
    }
    return {**claims, **overrides}


def v1_claims(issuer, **overrides) -> dict:
    object_id = str(uuid.uuid4())
    claims = {
        "aud": APP_ID_URI,
        "appid": CALLER,
        "appidacr": "1",
        "idp": issuer.issuer,
        "oid": object_id,
        "sub": object_id,
        "roles": [ROLE],
        "tid": TENANT,
        "ver": "1.0",
    }
    return {**claims, **overrides}


@pytest.fixture
def entra(settings, v1, v2):
    """Both token versions trusted at once, each with the entra profile; the hello scope is an app role."""

    def configure(profile: str = "entra", **options) -> None:
        entry = {"PROFILE": profile, "AUDIENCE": [APP_ID_URI, API_CLIENT_ID], **options}
        settings.API_AUTH = {
            **settings.API_AUTH,
            "ISSUERS": {v1.issuer: entry, v2.issuer: entry},
            "HELLO_SCOPE": ROLE,
        }

    return configure


def test_a_v2_app_only_token_is_accepted(entra, v2, call):
    entra()
    token = v2.mint(v2_claims())
    assert call(token).json() == "Hello World!"
    assert principal(token) == (CALLER, frozenset({ROLE}))


def test_a_v1_token_names_its_client_in_appid(entra, v1, call):
    entra()
    token = v1.mint(v1_claims(v1))
    assert v1.issuer.endswith(f"/{TENANT}/")  # v1.0's issuer keeps its trailing slash
    assert call(token).json() == "Hello World!"
    assert principal(token) == (CALLER, frozenset({ROLE}))


def test_delegated_scopes_and_roles_both_count(entra, v2):
    entra()
    assert principal(v2.mint(v2_claims(scp="Orders.Read Orders.Write")))[1] == {ROLE, "Orders.Read", "Orders.Write"}


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"roles": ["Orders.Write"]}, 403, "insufficient_scope"),  # a permission not granted
        ({"roles": None}, 401, "invalid_token"),  # neither scp nor roles: not an access token for an API
        ({"aud": "https://graph.microsoft.com"}, 401, "invalid_token"),  # a token for another resource
        ({"appid": "ffffffff-0000-0000-0000-000000000000"}, 401, "invalid_token"),  # azp and appid disagree
        ({"azp": None}, 401, "invalid_token"),  # names no client
    ],
)
def test_refused_as_microsoft_advises(entra, v2, call, overrides, status, error):
    entra()
    refused(call(v2.mint(v2_claims(**overrides))), status, error)


def test_an_id_token_is_refused(entra, v2, call):
    entra()
    # An ID token of a user signing in to the API's own registration (the right `aud`): as
    # documented, no `azp`, no `roles`, no `scp`.
    claims = {"aud": API_CLIENT_ID, "oid": str(uuid.uuid4()), "sub": "pairwise", "tid": TENANT, "ver": "2.0"}
    refused(call(v2.mint({**claims, "name": "Ada", "preferred_username": "ada@example.com"})), 401, "invalid_token")
    # Even one naming a client (`azp` is optional in ID tokens) carries no permission.
    assert "no scopes or roles" in refused(call(v2.mint({**claims, "azp": CALLER})), 401, "invalid_token")


def test_only_allowed_clients(entra, v2, call):
    entra(ALLOWED_CLIENT_IDS=["0f0f0f0f-1111-2222-3333-444444444444"])
    assert "may not call this API" in refused(call(v2.mint(v2_claims())), 401, "invalid_token")


def test_the_standard_profile_is_unchanged(entra, v1, v2, call):
    entra(profile="standard")
    # As before profiles existed: a v1.0 token names no client the standard rules know,
    assert "names no client" in refused(call(v1.mint(v1_claims(v1))), 401, "invalid_token")
    # and application roles are not scopes.
    refused(call(v2.mint(v2_claims())), 403, "insufficient_scope")
