"""RFC 6750 and RFC 9449 header rules over real HTTP: a repeated header and a token in the URL are
`invalid_request`, and every DPoP challenge names its `algs`."""

import http.client
import json
from urllib.parse import urlsplit

import pytest
import requests

from tests.support.challenges import DPOP_ALGS, parse_challenges

pytestmark = pytest.mark.e2e


def raw_get(url: str, headers: list[tuple[str, str]]) -> tuple[int, dict, bytes]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.putrequest("GET", parts.path or "/")
        for name, value in headers:
            connection.putheader(name, value)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_authorization_header_sent_twice_is_invalid_request(live_server):
    status, headers, body = raw_get(
        live_server.url + "/", [("Authorization", "Bearer aaa.bbb.ccc"), ("Authorization", "Bearer ddd.eee.fff")]
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
    got, response_headers, body = raw_get(live_server.url + "/", headers)
    assert (got, json.loads(body)["error"]) == (status, error)
    challenges = parse_challenges(response_headers["WWW-Authenticate"])
    assert "DPoP" in [scheme for scheme, _ in challenges]
    for scheme, params in challenges:
        assert params.get("algs") == (DPOP_ALGS if scheme == "DPoP" else None), challenges
