"""RFC 6750 and RFC 9449 header rules over real HTTP: a repeated header and a token in the URL are
`invalid_request`, and every DPoP challenge names its `algs`."""

import json

import pytest
import requests

from tests.support.challenges import DPOP_ALGS, parse_challenges
from tests.support.raw_http import raw_request

pytestmark = pytest.mark.e2e


def test_authorization_header_sent_twice_is_invalid_request(live_server):
    status, headers, body = raw_request(
        live_server.url + "/",
        headers=[("Authorization", "Bearer aaa.bbb.ccc"), ("Authorization", "Bearer ddd.eee.fff")],
    )
    assert status == 400
    assert headers["WWW-Authenticate"].startswith('Bearer realm="api", error="invalid_request"')
    assert b"invalid_request" in body


def test_token_in_the_query_is_invalid_request(live_server):
    response = requests.get(live_server.url + "/", params={"access_token": "aaa.bbb.ccc"}, timeout=10)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize(
    "headers, status, error",
    [
        ([("Authorization", "DPoP a b")], 400, "invalid_request"),
        ([("Authorization", "DPoP aaa.bbb.ccc"), ("Authorization", "DPoP ddd.eee.fff")], 400, "invalid_request"),
        ([("Authorization", "DPoP aaa.bbb.ccc"), ("DPoP", "x.y.z"), ("DPoP", "x.y.z")], 401, "invalid_dpop_proof"),
        ([("Authorization", "DPoP aaa.bbb.ccc")], 401, "invalid_dpop_proof"),
    ],
)
def test_every_dpop_challenge_names_its_algs(live_server, headers, status, error):
    got, response_headers, body = raw_request(live_server.url + "/", headers=headers)
    assert (got, json.loads(body)["error"]) == (status, error)
    challenges = parse_challenges(response_headers["WWW-Authenticate"])
    assert "DPoP" in [scheme for scheme, _ in challenges]
    for scheme, params in challenges:
        assert params.get("algs") == (DPOP_ALGS if scheme == "DPoP" else None), challenges
