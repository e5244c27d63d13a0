"""`ClientCredentialsAuth`: one token shared by threads until shortly before expiry; a 401 answered once."""

import threading

import jwt
import requests
import responses

from api.client_auth import ClientCredentialsAuth
from api.token_request import TokenResponse
from conftest import Clock

API = "https://api.example/orders"


class CountingAuth(ClientCredentialsAuth):
    """Tokens made here, counted: the token endpoint's answers are not what these tests look at."""

    def __init__(self, **options):
        super().__init__(token_url="https://issuer.example/v1/token", client_id="c", client_secret="s", **options)
        self.fetched: list[TokenResponse] = []
        self._fetch_lock = threading.Lock()

    def fetch(self) -> TokenResponse:
        with self._fetch_lock:
            token = TokenResponse(f"token-{len(self.fetched)}", "DPoP" if self.dpop_key else "Bearer", 300, None)
            self.fetched.append(token)
        return token


def test_threads_share_one_token_until_shortly_before_it_expires():
    clock = Clock(1000.0)
    auth = CountingAuth(timer=clock)
    barrier = threading.Barrier(8)
    seen = []

    def use():
        barrier.wait()
        seen.append(auth.token().access_token)

    threads = [threading.Thread(target=use) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert seen == ["token-0"] * 8 and len(auth.fetched) == 1
    clock.advance(300 - 31)
    assert auth.token().access_token == "token-0"
    clock.advance(2)
    assert auth.token().access_token == "token-1"


@responses.activate
def test_an_expired_token_is_replaced_once():
    refused = {"status": 401, "headers": {"WWW-Authenticate": 'Bearer realm="api", error="invalid_token"'}}
    responses.get(API, **refused)
    responses.get(API, json="ok")
    auth = CountingAuth()
    response = requests.get(API, auth=auth, timeout=5)
    assert response.status_code == 200 and [r.status_code for r in response.history] == [401]
    assert [call.request.headers["Authorization"] for call in responses.calls] == ["Bearer token-0", "Bearer token-1"]
    # A second refusal is the caller's to see: no loop.
    responses.get(API, **refused)
    responses.get(API, **refused)
    assert requests.get(API, auth=auth, timeout=5).status_code == 401


@responses.activate
def test_dpop_proofs_are_fresh_and_carry_the_apis_nonce():
    responses.get(
        API,
        status=401,
        headers={"WWW-Authenticate": 'DPoP realm="api", error="use_dpop_nonce"', "DPoP-Nonce": "n-1"},
    )
    responses.get(API, json="ok")
    auth = CountingAuth(dpop=True)
    assert requests.get(API, auth=auth, timeout=5).status_code == 200
    first, second = (call.request.headers for call in responses.calls)
    assert first["Authorization"] == second["Authorization"] == "DPoP token-0"
    claims = [jwt.decode(h["DPoP"], options={"verify_signature": False}) for h in (first, second)]
    assert claims[0]["jti"] != claims[1]["jti"]
    assert "nonce" not in claims[0] and claims[1]["nonce"] == "n-1"
    assert claims[1]["htu"] == API and claims[1]["htm"] == "GET" and claims[1]["ath"]
    assert len(auth.fetched) == 1, "a nonce retry keeps the token"


@responses.activate
def test_other_refusals_are_returned_as_they_came():
    responses.get(API, status=401, headers={"WWW-Authenticate": 'Bearer realm="api"'})
    response = requests.get(API, auth=CountingAuth(), timeout=5)
    assert response.status_code == 401 and len(responses.calls) == 1


@responses.activate
def test_audience_and_resource_reach_the_token_endpoint():
    from urllib.parse import parse_qs

    responses.post("https://issuer.example/v1/token", json={"access_token": "t", "token_type": "Bearer"})
    responses.get(API, json="ok")
    auth = ClientCredentialsAuth(
        token_url="https://issuer.example/v1/token",
        client_id="c",
        client_secret="s",
        audience="https://api.example",
        resource=["https://api.example/orders", "urn:other"],
    )
    assert requests.get(API, auth=auth, timeout=5).json() == "ok"
    form = parse_qs(responses.calls[0].request.body)
    assert form["audience"] == ["https://api.example"]
    assert form["resource"] == ["https://api.example/orders", "urn:other"]
    assert responses.calls[1].request.headers["Authorization"] == "Bearer t"
