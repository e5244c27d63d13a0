"""`/livez` and `/readyz`: the probes flip with the database, the shared cache and the issuer's keys.

The key server and Redis are real processes on loopback that the tests stop and start; the
clock is injected, so the refresh cooldown passes without sleeping.
"""

from unittest import mock

import pytest
import requests
from django.db import connections
from django.db.utils import OperationalError

from api.conf import api_settings
from api.jwks import reset_key_sets
from tests.reliability.conftest import call
from tests.support.readiness import assert_not_ready, assert_ready


def probe(api_client, path: str = "/readyz"):
    return api_client.get(path, HTTP_ACCEPT="application/json")


def test_livez_answers_while_the_process_serves(api_client, keyserver):
    keyserver.down()
    response = probe(api_client, "/livez")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert keyserver.requests == [], "liveness must not depend on (or ask) the issuer"


def test_ready_when_the_issuer_keys_are_known(api_client, keyserver):
    assert_ready(probe(api_client))
    assert len(keyserver.requests) == 1
    assert_ready(probe(api_client))
    assert len(keyserver.requests) == 1, "a probe with known keys fetched again"


def test_issuer_down_before_any_key_then_back(api_client, keyserver, clock):
    keyserver.down()
    body = assert_not_ready(probe(api_client), "keys")
    # Nothing about where the issuer lives: the body names the check only.
    assert "127.0.0.1" not in str(body) and "http" not in str(body)
    keyserver.up()
    # Within the cooldown window a probe fetches no more than a request would: none.
    assert_not_ready(probe(api_client), "keys")
    assert keyserver.requests == []
    clock.advance(api_settings.JWKS_REFRESH_COOLDOWN + 1)
    assert_ready(probe(api_client))
    assert len(keyserver.requests) == 1


def test_probes_cause_no_more_key_traffic_than_requests(api_client, keyserver, clock, token):
    keyserver.mode = "error"
    for _ in range(20):
        assert_not_ready(probe(api_client), "keys")
    assert len(keyserver.requests) == 1, "probes hammered a failing issuer"
    assert call(api_client, token()).status_code == 503
    assert len(keyserver.requests) == 1


def test_known_keys_keep_the_pod_ready_while_the_issuer_is_down(api_client, keyserver, clock):
    assert_ready(probe(api_client))
    keyserver.down()
    clock.advance(2 * 3600)  # past the soft expiry, within the staleness limit
    assert_ready(probe(api_client))


def test_redis_gone_then_back(api_client, keyserver, redis_server):
    assert_ready(probe(api_client))
    redis_server.stop()
    # The keys this worker holds still check tokens; the cache itself is reported.
    assert_not_ready(probe(api_client), "cache")
    redis_server.start()
    assert_ready(probe(api_client))


def test_database_gone_then_back(api_client, keyserver, settings):
    assert_ready(probe(api_client))
    connection = connections["default"]
    # With the embedded defaults the shared cache lives in the database: it goes with it.
    cache_in_database = settings.CACHES[api_settings.CACHE_ALIAS]["BACKEND"].endswith("DatabaseCache")
    failing = ("database", "cache") if cache_in_database else ("database",)
    with mock.patch.object(type(connection), "cursor", side_effect=OperationalError("server closed the connection")):
        assert_not_ready(probe(api_client), *failing)
    assert_ready(probe(api_client))


@pytest.mark.parametrize("path", ["/livez", "/readyz"])
def test_other_methods_are_refused_in_the_error_shape(api_client, keyserver, path):
    response = api_client.post(path, HTTP_ACCEPT="application/json")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert response.json()["error"] == "method_not_allowed"


def test_probes_are_not_redirected_to_https(api_client, keyserver, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert api_client.get("/").status_code == 301
    assert probe(api_client, "/livez").status_code == 200
    assert_ready(probe(api_client))


def test_probes_need_no_token_and_are_not_throttled(api_client, keyserver, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"client": "1/hour"}}
    for _ in range(5):
        assert_ready(probe(api_client))


@pytest.mark.e2e
def test_probes_over_real_http(live_server, keyserver):
    reset_key_sets()
    response = requests.get(f"{live_server.url}/readyz", timeout=10)
    assert response.status_code == 200
    assert response.json()["status"] == "ok"
    keyserver.down()
    reset_key_sets()  # a new worker that never saw a key
    from django.core.cache import caches

    caches[api_settings.CACHE_ALIAS].clear()
    response = requests.get(f"{live_server.url}/readyz", timeout=10)
    assert response.status_code == 503
    assert response.json()["checks"]["keys"] == "failing"
    assert requests.get(f"{live_server.url}/livez", timeout=10).status_code == 200
