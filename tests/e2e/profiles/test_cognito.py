"""The `cognito` profile against an Amazon Cognito-shaped user pool over real HTTP.

Claims as AWS documents them:
https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-access-token.html
(an access token names its app client in `client_id`, has `token_use: access`, custom scopes
like `{resource server}/{scope}`, and no `aud`) and
https://docs.aws.amazon.com/verifiedpermissions/latest/userguide/cognito-validation.html (ID tokens
carry the client in `aud`, access tokens in `client_id`: check `token_use` and the client).
Issuer `https://cognito-idp.{region}.amazonaws.com/{pool id}`, keys at `/.well-known/jwks.json`;
the token endpoint is the pool domain's `/oauth2/token`.
"""

import uuid
from io import StringIO

import pytest
from django.core.management import call_command

from .conftest import principal, refused, serve

pytestmark = pytest.mark.e2e

POOL = "/us-east-1_Ab12CdEfG"
CLIENT = "1example23456789abcdefghij"
SECRET = "cognito-client-secret-" + "c" * 30
SCOPE = "orders-api/hello.read"


@pytest.fixture(scope="module")
def cognito():
    issuer = serve(
        issuer_path=POOL,
        metadata_path=f"{POOL}/.well-known/openid-configuration",
        jwks_path=f"{POOL}/.well-known/jwks.json",
        token_path="/oauth2/token",
        clients={CLIENT: SECRET},
        claims_for=lambda client_id, scope: claims(client_id=client_id, sub=client_id, scope=scope),
    )
    yield issuer
    issuer.stop()


def claims(**overrides) -> dict:
    base = {
        "sub": CLIENT,
        "token_use": "access",
        "scope": SCOPE,
        "auth_time": 1700000000,
        "version": 2,
        "client_id": CLIENT,
    }
    return {**base, **overrides}


@pytest.fixture
def pool(cognito, trust):
    def configure(**options) -> None:
        trust(cognito, PROFILE="cognito", ALLOWED_CLIENT_IDS=[CLIENT], HELLO_SCOPE=SCOPE, **options)

    return configure


def test_an_access_token_without_aud_is_accepted(pool, cognito, call):
    pool()
    token = cognito.mint(claims())
    assert call(token).json() == "Hello World!"
    assert principal(token) == (CLIENT, frozenset({SCOPE}))


def test_get_token_finds_the_pools_token_endpoint_and_the_api_takes_its_token(pool, cognito, call, settings):
    pool()
    settings.ISSUER, settings.TEST_CLIENT_ID, settings.TEST_CLIENT_SECRET = cognito.issuer, CLIENT, SECRET
    out = StringIO()
    call_command("get_token", "--scope", SCOPE, stdout=out, stderr=StringIO())
    assert "/oauth2/token" in cognito.requests
    assert call(out.getvalue().strip()).json() == "Hello World!"


@pytest.mark.parametrize(
    ("overrides", "status", "error"),
    [
        ({"client_id": "7otherclient0000000000000", "sub": "7otherclient0000000000000"}, 401, "invalid_token"),
        ({"scope": "orders-api/orders.write"}, 403, "insufficient_scope"),  # a scope not granted
        ({"token_use": None}, 401, "invalid_token"),
    ],
)
def test_refused(pool, cognito, call, overrides, status, error):
    pool()
    refused(call(cognito.mint(claims(**overrides))), status, error)


def test_an_id_token_is_refused(pool, cognito, call):
    pool()
    id_token = cognito.mint(
        {"sub": str(uuid.uuid4()), "aud": CLIENT, "token_use": "id", "email": "ada@example.com", "auth_time": 1}
    )
    assert "'token_use' claim must be 'access'" in refused(call(id_token), 401, "invalid_token")


def test_without_allowed_client_ids_every_token_is_refused(cognito, trust, call):
    trust(cognito, PROFILE="cognito", HELLO_SCOPE=SCOPE)
    refused(call(cognito.mint(claims())), 401, "invalid_token")


def test_the_standard_profile_is_unchanged(cognito, trust, call):
    trust(cognito, HELLO_SCOPE=SCOPE)
    assert "no audience" in refused(call(cognito.mint(claims())), 401, "invalid_token")
