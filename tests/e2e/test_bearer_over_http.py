"""RFC 6750 header rules over real HTTP: a repeated header and a token in the URL are `invalid_request`."""

import http.client
from urllib.parse import urlsplit

import pytest
import requests

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
