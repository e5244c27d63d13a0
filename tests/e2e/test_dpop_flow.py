"""DPoP over real HTTP: the embedded issuer binds the token, the API takes it only with a fresh proof of its key."""

from io import StringIO

import jwt
import pytest
import requests
from django.core.management import call_command

from api.client_auth import ClientCredentialsAuth
from authserver.service_clients import create_service_client
from ccproject.dpop_signer import DPoPKey
from ccproject.redis_cache import RedisCache
from tests.support.redis_server import redis_cache, start_private_redis

from .test_client_credentials_flow import SECRET, issuer  # noqa: F401 (the live issuer fixture)

pytestmark = pytest.mark.e2e


def client_auth(issuer_url: str, **options) -> ClientCredentialsAuth:
    return ClientCredentialsAuth(
        token_url=f"{issuer_url}/v1/token", client_id="e2e-client", client_secret=SECRET, scope="hello:read", **options
    )


def test_a_dpop_bound_token_from_the_issuer_calls_the_api(issuer, live_server):  # noqa: F811
    auth = client_auth(issuer, dpop=True)
    response = requests.get(live_server.url, auth=auth, timeout=10)
    assert response.status_code == 200, response.text
    assert response.json() == "Hello World!"
    token = auth.token()
    assert token.token_type == "DPoP"
    assert jwt.decode(token.access_token, options={"verify_signature": False})["cnf"] == {
        "jkt": auth.dpop_key.thumbprint
    }
    # Every request a fresh proof; the token is fetched once.
    for _ in range(3):
        assert requests.get(live_server.url, auth=auth, timeout=10).status_code == 200
    assert auth.token() is token


def test_a_stolen_bound_token_is_worthless(issuer, live_server):  # noqa: F811
    auth = client_auth(issuer, dpop=True)
    token = auth.token().access_token
    as_bearer = requests.get(live_server.url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert as_bearer.status_code == 401 and as_bearer.json()["error"] == "invalid_token"
    thief = DPoPKey()
    proof = thief.proof("GET", live_server.url + "/", access_token=token)
    with_other_key = requests.get(
        live_server.url, headers={"Authorization": f"DPoP {token}", "DPoP": proof}, timeout=10
    )
    assert with_other_key.status_code == 401 and with_other_key.json()["error"] == "invalid_token"
    # A proof captured on the wire does not work twice.
    proof = auth.dpop_key.proof("GET", live_server.url + "/", access_token=token)
    headers = {"Authorization": f"DPoP {token}", "DPoP": proof}
    assert requests.get(live_server.url, headers=headers, timeout=10).status_code == 200
    replayed = requests.get(live_server.url, headers=headers, timeout=10)
    assert replayed.status_code == 401 and replayed.json()["error"] == "invalid_dpop_proof"


def test_a_client_seen_before_asks_redis_ahead_over_real_http(issuer, live_server, settings, monkeypatch):  # noqa: F811
    """Redis as the replay store: a known client's proofs ask ahead (RedisCache.start_add), a replay is refused."""
    server = start_private_redis()
    try:
        settings.CACHES = {**settings.CACHES, "replay": redis_cache(server.url, 7)}
        settings.API_AUTH = {**settings.API_AUTH, "CACHE_ALIAS": "replay"}
        sent = []
        start_add = RedisCache.start_add
        monkeypatch.setattr(
            RedisCache, "start_add", lambda self, key, *a, **k: sent.append(key) or start_add(self, key, *a, **k)
        )
        auth = client_auth(issuer, dpop=True)
        for _ in range(4):
            assert requests.get(live_server.url, auth=auth, timeout=10).status_code == 200
        assert len(sent) >= 2, "the token is validated twice before it is cached; every later request asks ahead"
        token = auth.token().access_token
        headers = {
            "Authorization": f"DPoP {token}",
            "DPoP": auth.dpop_key.proof("GET", live_server.url + "/", access_token=token),
        }
        asked = len(sent)
        assert requests.get(live_server.url, headers=headers, timeout=10).status_code == 200
        replayed = requests.get(live_server.url, headers=headers, timeout=10)
        assert replayed.status_code == 401 and replayed.json()["error"] == "invalid_dpop_proof"
        assert "used before" in replayed.json()["error_description"]
        assert len(sent) == asked + 2, "both went through the early question"
    finally:
        server.cleanup()


def test_nonces_at_the_issuer_and_the_api_are_answered_once_each(issuer, live_server, settings):  # noqa: F811
    settings.AUTHSERVER = {**getattr(settings, "AUTHSERVER", {}), "DPOP_NONCE": True}
    settings.API_AUTH = {**settings.API_AUTH, "DPOP_NONCE": True}
    auth = client_auth(issuer, dpop=True)
    response = requests.get(live_server.url, auth=auth, timeout=10)
    assert response.status_code == 200, response.text
    assert [r.status_code for r in response.history] == [401]
    # The API's nonce is remembered: the next call needs no second try.
    response = requests.get(live_server.url, auth=auth, timeout=10)
    assert response.status_code == 200 and response.history == []


def test_a_client_registered_for_dpop_gets_no_bearer_token(issuer, live_server):  # noqa: F811
    create_service_client(
        label="Bound", scopes=["hello:read"], client_id="bound", secret=SECRET, dpop_bound_access_tokens=True
    )
    refused = requests.post(
        f"{issuer}/v1/token", data={"grant_type": "client_credentials"}, auth=("bound", SECRET), timeout=10
    )
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_dpop_proof"
    auth = ClientCredentialsAuth(token_url=f"{issuer}/v1/token", client_id="bound", client_secret=SECRET, dpop=True)
    assert requests.get(live_server.url, auth=auth, timeout=10).status_code == 200


def test_the_command_line_with_dpop(issuer, live_server, settings):  # noqa: F811
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_SECRET = "e2e-client", SECRET
    out = StringIO()
    call_command("call_api", "--dpop", stdout=out)
    assert "Hello World!" in out.getvalue()
    out = StringIO()
    call_command("get_token", "--dpop", "--json", stdout=out)
    assert '"token_type": "DPoP"' in out.getvalue()
