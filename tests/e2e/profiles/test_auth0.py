"""The `auth0` profile against an Auth0-shaped issuer over real HTTP.

Claims as Auth0 documents them: https://auth0.com/docs/secure/tokens/access-tokens/access-token-profiles
(the default dialect names the client in `azp`, the RFC 9068 dialect in `client_id` with
`typ: at+jwt`; `iss` is `https://{tenant}/` with its trailing slash) and
https://auth0.com/docs/get-started/apis/enable-role-based-access-control-for-apis (with RBAC and
"Add Permissions in the Access Token", granted permissions arrive in `permissions`). A client
credentials token's `sub` is `{client_id}@clients` and `gty` is `client-credentials`. Keys at
`/.well-known/jwks.json`, token endpoint `/oauth/token`.
"""

import pytest

from .conftest import principal, refused, serve

pytestmark = pytest.mark.e2e

API = "https://orders.example.com/api"
CLIENT = "kbyuFDidLLm280LIwVFiazOqjO3ty8KH"


@pytest.fixture(scope="module")
def auth0():
    issuer = serve(
        issuer_path="/",
        metadata_path="/.well-known/openid-configuration",
        jwks_path="/.well-known/jwks.json",
        token_path="/oauth/token",
    )
    yield issuer
    issuer.stop()


def claims(**overrides) -> dict:
    base = {
        "sub": f"{CLIENT}@clients",
        "aud": API,
        "azp": CLIENT,
        "scope": "hello:read",
        "gty": "client-credentials",
    }
    return {**base, **overrides}


def test_a_client_credentials_token_is_accepted(auth0, trust, call):
    trust(auth0, PROFILE="auth0", AUDIENCE=API)
    assert auth0.issuer.endswith("/")
    token = auth0.mint(claims())
    assert call(token).json() == "Hello World!"
    assert principal(token) == (CLIENT, frozenset({"hello:read"}))


def test_rbac_permissions_count_as_scopes(auth0, trust, call):
    trust(auth0, PROFILE="auth0", AUDIENCE=API)
    token = auth0.mint(claims(scope="", permissions=["hello:read", "orders:write"]))
    assert call(token).json() == "Hello World!"
    assert principal(token) == (CLIENT, frozenset({"hello:read", "orders:write"}))


def test_the_rfc9068_dialect_is_accepted(auth0, trust, call):
    trust(auth0, PROFILE="auth0", AUDIENCE=API)
    token = auth0.mint(
        {"sub": f"{CLIENT}@clients", "aud": API, "client_id": CLIENT, "scope": "hello:read"}, header={"typ": "at+jwt"}
    )
    assert call(token).json() == "Hello World!"
    assert principal(token)[0] == CLIENT


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"scope": "", "permissions": ["orders:read"]}, 403, "insufficient_scope"),  # a missing permission
        ({"aud": [API, "https://tenant.auth0.com/userinfo"], "scope": "openid"}, 403, "insufficient_scope"),
        ({"permissions": [{"name": "hello:read"}]}, 401, "invalid_token"),  # permissions are strings
        ({"client_id": "another-client"}, 401, "invalid_token"),  # azp and client_id disagree
    ],
)
def test_refused(auth0, trust, call, overrides, status, error):
    trust(auth0, PROFILE="auth0", AUDIENCE=API)
    refused(call(auth0.mint(claims(**overrides))), status, error)


def test_an_id_token_is_refused(auth0, trust, call):
    trust(auth0, PROFILE="auth0", AUDIENCE=API)
    # Auth0's ID token is audienced to the client that signed the user in, not to the API.
    id_token = auth0.mint({"sub": "auth0|123456", "aud": CLIENT, "name": "Ada", "nonce": "n-0S6_WzA2Mj"})
    assert "wrong audience" in refused(call(id_token), 401, "invalid_token")


def test_only_allowed_clients(auth0, trust, call):
    trust(auth0, PROFILE="auth0", AUDIENCE=API, ALLOWED_CLIENT_IDS=["another-client"])
    refused(call(auth0.mint(claims())), 401, "invalid_token")


def test_the_issuer_is_matched_with_its_slash(auth0, trust, call):
    trust(auth0, PROFILE="auth0", AUDIENCE=API)
    refused(call(auth0.mint(claims(iss=auth0.issuer.rstrip("/")))), 401, "invalid_token")


def test_the_standard_profile_is_unchanged(auth0, trust, call):
    trust(auth0, AUDIENCE=API)
    assert call(auth0.mint(claims())).json() == "Hello World!"  # azp and scope: as before
    refused(call(auth0.mint(claims(scope="", permissions=["hello:read"]))), 403, "insufficient_scope")
