"""RFC 8707 resource indicators at the embedded issuer's token endpoint, and `aud` in introspection."""

from urllib.parse import urlencode

import jwt
import pytest

from authserver.keys import published_jwks
from ccproject.dpop_signer import DPoPKey

from .conftest import SECRET, basic

TOKEN_URL = "/oauth2/default/v1/token"
INTROSPECT_URL = "/oauth2/default/v1/introspect"
API = "https://api.example.com"
OTHER = "https://reports.example.com/v2"


@pytest.fixture(autouse=True)
def _resources(settings):
    settings.AUTHSERVER = {**settings.AUTHSERVER, "RESOURCES": [API, OTHER]}


def token_request(client, *resources: str, secret: str = SECRET):
    body = urlencode([("grant_type", "client_credentials"), *(("resource", r) for r in resources)])
    return client.post(
        TOKEN_URL,
        body,
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic("test-client", secret),
    )


def claims_of(response) -> dict:
    assert response.status_code == 200, response.content
    (jwk,) = published_jwks()["keys"]
    return jwt.decode(
        response.json()["access_token"], jwt.PyJWK(jwk).key, algorithms=["RS256"], options={"verify_aud": False}
    )


def test_without_resource_the_audience_is_the_configured_one(client, oauth_client):
    assert claims_of(token_request(client))["aud"] == "api://default"


def test_one_resource_becomes_the_audience(client, oauth_client):
    response = token_request(client, API)
    assert claims_of(response)["aud"] == API


def test_another_spelling_of_a_served_resource_gives_its_configured_identifier(client, oauth_client):
    response = token_request(client, "HTTPS://API.example.com:443/")
    assert claims_of(response)["aud"] == API


def test_several_resources_make_a_list_audience(client, oauth_client):
    assert claims_of(token_request(client, API, OTHER))["aud"] == [API, OTHER]


def test_a_resource_named_twice_is_one_audience(client, oauth_client):
    assert claims_of(token_request(client, API, API + "/"))["aud"] == API


@pytest.mark.parametrize(
    "resource",
    [
        "https://evil.example.com",  # not served
        "https://api.example.com/other",  # another path
        "http://api.example.com",  # another scheme
        "https://api.example.com#",  # a fragment, even empty (RFC 8707 §2)
        "https://api.example.com#frag",
        "https://user@api.example.com",  # userinfo
        "api.example.com",  # relative
        "",  # empty
        "https://api.example.com:99999",  # bad port
        "https://api.example.com" + "/x" * 2000,  # long
    ],
)
def test_anything_else_is_invalid_target(client, oauth_client, resource):
    response = token_request(client, resource)
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_target"
    assert body["error_description"]
    assert response["Cache-Control"] == "no-store"


def test_one_bad_resource_among_good_ones_is_invalid_target(client, oauth_client):
    body = (
        "grant_type=client_credentials&resource=https%3A%2F%2Fapi.example.com&resource=https%3A%2F%2Fevil.example.com"
    )
    response = token_request(client, body)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_target"


def test_client_authentication_comes_before_the_resource(client, oauth_client):
    response = token_request(client, "https://evil.example.com", secret="wrong")
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


def test_introspection_reports_the_audience(client, oauth_client):
    token = token_request(client, API, OTHER).json()["access_token"]
    response = client.post(
        INTROSPECT_URL,
        {"token": token},
        HTTP_AUTHORIZATION=basic("test-client", SECRET),
    )
    assert response.status_code == 200
    answer = response.json()
    assert answer["active"] is True
    assert answer["aud"] == [API, OTHER]


def test_a_dpop_bound_token_for_a_resource(client, oauth_client):
    # RFC 8707 and RFC 9449 together: the audience is the resource, the binding the proof's key.
    key = DPoPKey()
    response = client.post(
        TOKEN_URL,
        urlencode([("grant_type", "client_credentials"), ("resource", API)]),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=basic("test-client", SECRET),
        HTTP_DPOP=key.proof("POST", "http://testserver" + TOKEN_URL),
    )
    assert response.json()["token_type"] == "DPoP"
    claims = claims_of(response)
    assert (claims["aud"], claims["cnf"]) == (API, {"jkt": key.thumbprint})
