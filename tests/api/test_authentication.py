"""The bearer authentication of the hello endpoint: the RFC 6750 error contract end to end."""

import time

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from conftest import ISSUER
from tests.support.challenges import DPOP_ALGS, RESOURCE_METADATA, bearer_params


def get(api_client, token: str | None = None, header: str | None = None):
    if header is None and token is not None:
        header = f"Bearer {token}"
    extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
    return api_client.get("/", HTTP_ACCEPT="application/json", **extra)


def test_valid_token_gets_hello_world(api_client, make_token, issuer_http):
    response = get(api_client, make_token())
    assert response.status_code == 200
    assert response.json() == "Hello World!"


def test_no_credentials_is_a_bare_challenge(api_client):
    response = get(api_client)
    assert response.status_code == 401
    # No error code (RFC 6750 §3.1); the scope the view needs and the metadata (RFC 9728 §5.1).
    # Both schemes the default policy allows (RFC 9449 §7.1), each with the same params.
    assert response["WWW-Authenticate"] == (
        f'Bearer realm="api", scope="hello:read", resource_metadata="{RESOURCE_METADATA}", '
        f'DPoP realm="api", scope="hello:read", algs="{DPOP_ALGS}", resource_metadata="{RESOURCE_METADATA}"'
    )
    assert response.json()["error"] == "unauthorized"
    assert "Bearer" in response.json()["error_description"]


def test_other_scheme_is_treated_as_no_bearer_credentials(api_client):
    response = get(api_client, header="Basic dXNlcjpwYXNz")
    assert response.status_code == 401
    assert bearer_params(response) == {"realm": "api", "scope": "hello:read", "resource_metadata": RESOURCE_METADATA}


def test_scheme_is_case_insensitive(api_client, make_token, issuer_http):
    assert get(api_client, header=f"bearer {make_token()}").status_code == 200


@pytest.mark.parametrize(
    "header",
    ["Bearer", "Bearer ", "Bearer a b", "Bearer tok€n", "Bearer a,b", 'Bearer "quoted"'],
)
def test_malformed_header_is_invalid_request(api_client, header):
    response = get(api_client, header=header)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert response["WWW-Authenticate"].startswith('Bearer realm="api", error="invalid_request"')


@pytest.mark.parametrize(
    ("claims", "description"),
    [
        ({"exp": int(time.time()) - 3600}, "expired"),
        ({"nbf": int(time.time()) + 3600}, "not valid yet"),
        ({"aud": "api://other"}, "audience"),
        ({"exp": None}, "no expiry"),
        ({"cid": None}, "names no client"),
    ],
)
def test_invalid_claims_are_invalid_token(api_client, make_token, issuer_http, claims, description):
    response = get(api_client, make_token(**claims))
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "invalid_token"
    assert description in body["error_description"]
    assert response["WWW-Authenticate"].startswith('Bearer realm="api", error="invalid_token", error_description=')


def test_untrusted_issuer_is_rejected_without_fetching_keys(api_client, make_token, issuer_http):
    response = get(api_client, make_token(iss=ISSUER + "x"))
    assert response.status_code == 401
    assert "untrusted issuer" in response.json()["error_description"]
    assert len(issuer_http.calls) == 0


def test_tampered_payload_fails_the_signature(api_client, make_token, issuer_http):
    header, _, signature = make_token().split(".")
    other_payload = make_token(cid="someone-else").split(".")[1]
    response = get(api_client, f"{header}.{other_payload}.{signature}")
    assert response.status_code == 401
    assert "signature" in response.json()["error_description"]


def test_token_signed_by_another_key_with_the_same_kid(api_client, make_token, issuer_http):
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = get(api_client, make_token(key=stranger))
    assert response.status_code == 401
    assert "signature" in response.json()["error_description"]


def test_hmac_signed_token_is_rejected(api_client, make_token, issuer_http):
    import jwt

    token = jwt.encode({"iss": ISSUER, "aud": "api://default", "exp": int(time.time()) + 60, "cid": "x"}, "k" * 32)
    response = get(api_client, token)
    assert response.status_code == 401
    assert "algorithm" in response.json()["error_description"]


def test_missing_scope_is_insufficient_scope(api_client, make_token, issuer_http):
    response = get(api_client, make_token(scp=["other"]))
    assert response.status_code == 403
    assert response.json() == {
        "error": "insufficient_scope",
        "error_description": "The access token lacks a scope this request needs: hello:read.",
        "scope": "hello:read",
    }
    assert response["WWW-Authenticate"] == (
        'Bearer realm="api", error="insufficient_scope", '
        'error_description="The access token lacks a scope this request needs: hello:read.", scope="hello:read", '
        f'resource_metadata="{RESOURCE_METADATA}"'
    )


def test_rfc9068_scope_claim_is_accepted(api_client, make_token, issuer_http):
    response = get(api_client, make_token(scp=None, cid=None, client_id="c", scope="hello:read other"))
    assert response.status_code == 200


def test_one_key_set_fetch_serves_many_requests(api_client, make_token, issuer_http):
    for _ in range(5):
        assert get(api_client, make_token()).status_code == 200
    fetched = [call.request.url for call in issuer_http.calls]
    assert fetched.count(f"{ISSUER}/v1/keys") == 1


def test_unreachable_issuer_is_503_with_retry_after(api_client, make_token):
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get("https://issuer.test/.well-known/oauth-authorization-server/oauth2/default", status=500)
        mock.get(f"{ISSUER}/.well-known/oauth-authorization-server", status=500)
        mock.get(f"{ISSUER}/.well-known/openid-configuration", status=500)
        response = get(api_client, make_token())
    assert response.status_code == 503
    assert response["Retry-After"].isdigit()
    assert response.json()["error"] == "temporarily_unavailable"
    assert "WWW-Authenticate" not in response


def test_error_bodies_never_echo_the_token(api_client, make_token, issuer_http):
    token = make_token(aud="api://other")
    response = get(api_client, token)
    assert token not in response.content.decode()
    assert token not in response["WWW-Authenticate"]


def test_a_query_without_access_token_is_not_refused(api_client, make_token, issuer_http):
    # `has_other_token` parses the query only when there is one; a harmless one must still pass.
    response = api_client.get("/?page=2", HTTP_AUTHORIZATION=f"Bearer {make_token()}")
    assert response.status_code == 200
    refused = api_client.get("/?page=2&access_token=x", HTTP_AUTHORIZATION=f"Bearer {make_token()}")
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_request"
