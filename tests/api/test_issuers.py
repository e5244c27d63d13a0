"""Several trusted issuers: a token's `iss` selects its audience, algorithms and options."""

import pytest
import responses
from cryptography.hazmat.primitives.asymmetric import rsa

from api.issuers import trusted_issuers
from conftest import ISSUER, KID, claims_at, public_jwk, raw_token

OTHER = "https://login.other.test/realms/main"


@pytest.fixture
def other_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def two_issuers(settings, issuer_http, other_key):
    settings.API_AUTH = {
        **settings.API_AUTH,
        "ISSUERS": {
            ISSUER: {},
            OTHER: {"AUDIENCE": ["account", "api://other"], "JWKS_URI": f"{OTHER}/certs", "ALGORITHMS": ["RS256"]},
        },
    }
    issuer_http.get(f"{OTHER}/certs", json={"keys": [public_jwk(other_key, kid="kc-1")]})
    return issuer_http


def get(api_client, token):
    return api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_each_issuer_is_checked_with_its_own_policy(two_issuers, api_client, rsa_key, other_key, clock):
    okta = raw_token({"alg": "RS256", "kid": KID}, claims_at(clock.now), rsa_key)
    keycloak_claims = claims_at(clock.now, iss=OTHER, aud="account", cid=None, azp="svc", scope="hello:read")
    keycloak = raw_token({"alg": "RS256", "kid": "kc-1", "typ": "JWT"}, keycloak_claims, other_key)
    assert get(api_client, okta).status_code == 200
    assert get(api_client, keycloak).status_code == 200
    # The other issuer's audience is not this one's, and keys never cross issuers.
    wrong_aud = raw_token({"alg": "RS256", "kid": KID}, claims_at(clock.now, aud="account"), rsa_key)
    assert get(api_client, wrong_aud).status_code == 401
    crossed = raw_token({"alg": "RS256", "kid": KID}, claims_at(clock.now, iss=OTHER, aud="account"), rsa_key)
    assert get(api_client, crossed).status_code == 401


def test_an_untrusted_issuer_costs_no_request(two_issuers, api_client, rsa_key, clock):
    token = raw_token({"alg": "RS256", "kid": KID}, claims_at(clock.now, iss="https://evil.test"), rsa_key)
    assert get(api_client, token).status_code == 401
    assert len(two_issuers.calls) == 0


def test_issuer_options_fall_back_to_top_level_settings(settings):
    settings.API_AUTH = {**settings.API_AUTH, "LEEWAY": 5, "ISSUERS": {ISSUER: {"LEEWAY": 1}, OTHER: {}}}
    policies = trusted_issuers()
    assert policies[ISSUER].leeway == 1
    assert policies[OTHER].leeway == 5
    # Every issuer's tokens may also be audienced to the API's resource identifier (RFC 8707).
    assert policies[OTHER].audiences == {"api://default", "http://127.0.0.1:8000"}


def test_hmac_and_none_never_enter_a_policy(settings):
    settings.API_AUTH = {**settings.API_AUTH, "ALGORITHMS": ["HS256", "none", "RS256"]}
    assert trusted_issuers()[ISSUER].algorithms == {"RS256"}


def test_single_issuer_mode_uses_issuer_and_jwks_uri(settings):
    settings.API_AUTH = {**settings.API_AUTH, "JWKS_URI": f"{ISSUER}/keys"}
    assert list(trusted_issuers()) == [ISSUER]
    assert trusted_issuers()[ISSUER].jwks_uri == f"{ISSUER}/keys"


def test_no_trusted_issuer_rejects_everything(settings, api_client, rsa_key, clock):
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": ""}
    with responses.RequestsMock(assert_all_requests_are_fired=False):
        token = raw_token({"alg": "RS256", "kid": KID}, claims_at(clock.now), rsa_key)
        assert get(api_client, token).status_code == 401
