"""ccproject's resource server against panva's oidc-provider: its tokens, audiences and key rotation."""

import base64
import json
import time

import jwt
import pytest
import requests
from rest_framework.test import APIRequestFactory

from api.authentication import OAuthClientCredentialsAuthentication
from api.exceptions import InvalidToken
from api.jwks import KeySet

from .conftest import HELLO_SCOPE, OIDC_AUDIENCE, OPAQUE_RESOURCE, OTHER_RESOURCE, OTHER_SCOPE, TIMEOUT

pytestmark = pytest.mark.interop


def call_hello(live_server, token: str) -> requests.Response:
    return requests.get(live_server.url + "/", headers={"Authorization": f"Bearer {token}"}, timeout=TIMEOUT)


def assert_invalid_token(response: requests.Response, words: str) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_token"
    assert words in response.json()["error_description"]
    assert response.headers["WWW-Authenticate"].startswith('Bearer realm="api", error="invalid_token"')


def test_tokens_have_the_rfc_9068_shape(oidc_provider):
    """What we rely on, as oidc-provider really issues it (not as we imagine it)."""
    token = oidc_provider.token()
    header = jwt.get_unverified_header(token)
    claims = jwt.decode(token, options={"verify_signature": False})
    assert header["typ"] == "at+jwt"
    assert header["alg"] == "RS256"
    assert header["kid"] in {key["kid"] for key in oidc_provider.jwks()["keys"]}
    assert claims["iss"] == oidc_provider.issuer
    assert claims["aud"] == OIDC_AUDIENCE
    assert claims["client_id"] == oidc_provider.client_id
    assert claims["scope"] == HELLO_SCOPE
    assert "cid" not in claims and "scp" not in claims  # Okta's names are not there
    # Its discovery is OpenID Connect's, and its layout is not Okta's `/v1/...`.
    assert oidc_provider.metadata["jwks_uri"] == f"{oidc_provider.issuer}/jwks"


def test_authentication_class_accepts_its_token(trust_oidc_provider):
    token = trust_oidc_provider.token()
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    principal, validated = OAuthClientCredentialsAuthentication().authenticate(request)
    assert principal.client_id == trust_oidc_provider.client_id
    assert principal.scopes == frozenset({HELLO_SCOPE})
    assert principal.issuer == trust_oidc_provider.issuer
    assert validated.claims["aud"] == OIDC_AUDIENCE


def test_api_accepts_its_token_over_http(trust_oidc_provider, live_server):
    response = call_hello(live_server, trust_oidc_provider.token())
    assert response.status_code == 200, response.text
    assert response.json() == "Hello World!"


def test_strict_rfc_9068_mode_accepts_its_tokens(trust_oidc_provider, settings, live_server):
    """oidc-provider's tokens carry every claim and the `typ` RFC 9068 requires."""
    settings.API_AUTH = {**settings.API_AUTH, "STRICT_RFC9068": True}
    assert call_hello(live_server, trust_oidc_provider.token()).status_code == 200


def test_keys_from_a_configured_jwks_uri_instead_of_discovery(trust_oidc_provider, settings, live_server):
    settings.API_AUTH = {**settings.API_AUTH, "JWKS_URI": trust_oidc_provider.metadata["jwks_uri"]}
    assert call_hello(live_server, trust_oidc_provider.token()).status_code == 200


def test_its_token_without_the_scope_is_403_insufficient_scope(trust_oidc_provider, live_server):
    token = trust_oidc_provider.token(scope=OTHER_SCOPE)
    assert jwt.decode(token, options={"verify_signature": False})["scope"] == OTHER_SCOPE
    response = call_hello(live_server, token)
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "insufficient_scope"
    assert 'error="insufficient_scope"' in response.headers["WWW-Authenticate"]


def test_token_for_another_resource_is_rejected(trust_oidc_provider, live_server):
    """RFC 8707: the same client, the same server, a token minted for another API's audience."""
    token = trust_oidc_provider.token(resource=OTHER_RESOURCE)
    assert jwt.decode(token, options={"verify_signature": False})["aud"] == OTHER_RESOURCE
    assert_invalid_token(call_hello(live_server, token), "wrong audience")


def test_its_opaque_token_is_rejected_as_malformed(trust_oidc_provider, live_server):
    """A server not set up for JWT access tokens issues opaque ones: 401, and no key fetch needed."""
    token = trust_oidc_provider.token(resource=OPAQUE_RESOURCE)
    assert token.count(".") == 0
    assert_invalid_token(call_hello(live_server, token), "malformed")


def test_api_expecting_another_audience_rejects_it(trust_oidc_provider, settings, live_server):
    settings.API_AUTH = {**settings.API_AUTH, "AUDIENCE": "api://somewhere-else"}
    assert_invalid_token(call_hello(live_server, trust_oidc_provider.token()), "wrong audience")


def test_its_token_is_untrusted_when_ccproject_trusts_another_issuer(oidc_provider, live_server):
    # The root conftest trusts https://issuer.test/...: the token is refused before any key fetch.
    assert_invalid_token(call_hello(live_server, oidc_provider.token()), "untrusted issuer")


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_tampered_token_is_rejected(trust_oidc_provider, live_server):
    header, payload, signature = trust_oidc_provider.token().split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    forged = f"{header}.{_b64({**claims, 'client_id': 'someone-else'})}.{signature}"
    assert_invalid_token(call_hello(live_server, forged), "signature")


def test_token_signed_by_another_key_with_its_kid_is_rejected(trust_oidc_provider, live_server, rsa_key):
    real = trust_oidc_provider.token()
    claims = jwt.decode(real, options={"verify_signature": False})
    forged = jwt.encode(claims, rsa_key, algorithm="RS256", headers=jwt.get_unverified_header(real))
    assert_invalid_token(call_hello(live_server, forged), "signature")


@pytest.fixture
def key_set_clock(monkeypatch):
    """The key-set cache's clock only (its `timer` hook), moved forward by `advance(seconds)`.

    Not the root `clock` fixture: that one also moves the validator's clock, and oidc-provider's
    five-minute tokens would then fail as expired rather than for the key that signed them.
    """
    offset = [0.0]
    monkeypatch.setattr(KeySet, "timer", staticmethod(lambda: time.time() + offset[0]))

    def advance(seconds: float) -> None:
        offset[0] += seconds

    return advance


def test_key_rotation_at_the_server_is_picked_up(trust_oidc_provider, live_server, settings, key_set_clock):
    before = trust_oidc_provider.token()
    assert call_hello(live_server, before).status_code == 200  # ccproject now caches the old key set

    jwks = trust_oidc_provider.admin("rotate")
    after = trust_oidc_provider.token()
    new_kid = jwt.get_unverified_header(after)["kid"]
    assert new_kid != jwt.get_unverified_header(before)["kid"]
    assert jwks["keys"][0]["kid"] == new_kid

    # Past the refresh cooldown but well within the key set's freshness: only the unknown kid
    # can make ccproject fetch the key set again, and the new token is accepted.
    key_set_clock(settings.API_AUTH.get("JWKS_REFRESH_COOLDOWN", 30) + 1)
    assert call_hello(live_server, after).status_code == 200
    # The old key is still published, so tokens it signed stay valid until they expire.
    assert call_hello(live_server, before).status_code == 200

    trust_oidc_provider.admin("retire")
    # Once the cached key set is stale (two hours on), the retired key is gone for ccproject too.
    key_set_clock(7200)
    assert call_hello(live_server, after).status_code == 200
    assert_invalid_token(call_hello(live_server, before), "key the issuer does not publish")


def test_invalid_token_error_is_drf_invalid_token(trust_oidc_provider):
    token = trust_oidc_provider.token(resource=OTHER_RESOURCE)
    request = APIRequestFactory().get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    with pytest.raises(InvalidToken):
        OAuthClientCredentialsAuthentication().authenticate(request)


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", "Basic aW50ZXJvcDp4"])
def test_rotation_needs_the_admin_token(oidc_provider, authorization):
    kids = [key["kid"] for key in oidc_provider.jwks()["keys"]]
    headers = {"Authorization": authorization} if authorization else {}
    response = requests.post(f"{oidc_provider.issuer}/__admin/rotate", headers=headers, timeout=TIMEOUT)
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_token"
    assert [key["kid"] for key in oidc_provider.jwks()["keys"]] == kids
