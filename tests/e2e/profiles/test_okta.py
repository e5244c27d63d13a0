"""The `okta` and `rfc9068` profiles against an Okta-shaped authorization server over real HTTP.

Claims as Okta documents them for a client credentials access token:
https://developer.okta.com/docs/reference/api/oidc/#access-token-payload (`ver`, `jti`, `iss`,
`aud`, `iat`, `exp`, `cid`, `scp` as an array, `sub` the client id); keys at `{issuer}/v1/keys`,
token endpoint `{issuer}/v1/token`. `rfc9068` follows RFC 9068 §2: `typ: at+jwt`, `client_id`,
`scope` as a string, `sub` and `jti` required.
"""

import pytest

from .conftest import principal, refused, serve

pytestmark = pytest.mark.e2e

SERVER = "/oauth2/default"
CLIENT = "0oa1x2y3z4ExampleId7"


@pytest.fixture(scope="module")
def okta():
    issuer = serve(
        issuer_path=SERVER,
        metadata_path=f"/.well-known/oauth-authorization-server{SERVER}",
        jwks_path=f"{SERVER}/v1/keys",
        token_path=f"{SERVER}/v1/token",
    )
    yield issuer
    issuer.stop()


def okta_claims(**overrides) -> dict:
    return {"ver": 1, "aud": "api://default", "cid": CLIENT, "scp": ["hello:read"], "sub": CLIENT, **overrides}


def rfc9068_claims(**overrides) -> dict:
    return {"aud": "api://default", "client_id": CLIENT, "scope": "hello:read", "sub": CLIENT, **overrides}


@pytest.mark.parametrize("profile", ["okta", "standard"])
def test_an_okta_token(okta, trust, call, profile):
    trust(okta, PROFILE=profile)
    token = okta.mint(okta_claims())
    assert call(token).json() == "Hello World!"
    assert principal(token) == (CLIENT, frozenset({"hello:read"}))


def test_okta_refuses_a_missing_scope_and_a_foreign_client(okta, trust, call):
    trust(okta, PROFILE="okta", ALLOWED_CLIENT_IDS=[CLIENT])
    refused(call(okta.mint(okta_claims(scp=["clients:register"]))), 403, "insufficient_scope")
    refused(call(okta.mint(okta_claims(cid="0oaOtherClient", sub="0oaOtherClient"))), 401, "invalid_token")


def test_rfc9068_accepts_an_at_jwt_token(okta, trust, call):
    trust(okta, PROFILE="rfc9068")
    token = okta.mint(rfc9068_claims(), header={"typ": "at+jwt"})
    assert call(token).json() == "Hello World!"
    assert principal(token) == (CLIENT, frozenset({"hello:read"}))


@pytest.mark.parametrize(
    ("claims", "header"),
    [
        (okta_claims(), {}),  # typ JWT: not an RFC 9068 access token
        (rfc9068_claims(sub=None), {"typ": "at+jwt"}),  # §2.2: sub is required
        (rfc9068_claims(client_id=None, cid=CLIENT), {"typ": "at+jwt"}),
    ],
)
def test_rfc9068_refuses_what_the_rfc_does_not_allow(okta, trust, call, claims, header):
    trust(okta, PROFILE="rfc9068")
    refused(call(okta.mint(claims, header=header)), 401, "invalid_token")
