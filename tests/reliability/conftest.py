"""Fixtures for failure scenarios: a real key server and request helpers (the clock is the root conftest's)."""

import pytest
from django.core.cache import caches

from api.jwks import KeySet
from tests.support.keyserver import KeyServer
from tests.support.redis_server import redis_cache, start_private_redis

# Short timeouts keep the slow-server tests quick; the behaviour does not depend on the values.
TIMEOUT = (0.5, 0.5)


@pytest.fixture
def other_host():
    """A second server: a redirect target that must never be asked anything."""
    server = KeyServer({"keys": []}).up()
    yield server
    server.down()


@pytest.fixture
def keyserver(jwks, settings, other_host):
    server = KeyServer(jwks, redirect_to=other_host.url).up()
    settings.API_AUTH = {**settings.API_AUTH, "JWKS_URI": server.url, "HTTP_TIMEOUT": TIMEOUT}
    yield server
    server.down()


@pytest.fixture
def redis_server(settings):
    """A private redis-server as the default and throttle caches, stopped after the test."""
    server = start_private_redis()
    settings.CACHES = {"default": redis_cache(server.url, 0), "throttle": redis_cache(server.url, 1)}
    yield server
    server.cleanup()


def call(api_client, token: str):
    return api_client.get("/", HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def assert_unavailable(response) -> None:
    """The contract's 503: `Retry-After`, no challenge (the token is not at fault), the error shape."""
    assert response.status_code == 503, (response.status_code, response.content)
    assert int(response["Retry-After"]) > 0
    assert "WWW-Authenticate" not in response
    body = response.json()
    assert body["error"] == "temporarily_unavailable"
    assert body["error_description"]


def shared_entry(issuer: str):
    """What the shared cache holds for the issuer's key set (at the configured JWKS_URI)."""
    from api.conf import api_settings

    return caches[api_settings.CACHE_ALIAS].get(KeySet(issuer, api_settings.JWKS_URI).cache_key)


@pytest.fixture
def token(make_token, clock):
    """A token valid at the injected clock's now (tests move the clock by hours)."""

    def factory(**claims) -> str:
        now = int(clock.now)
        return make_token(**{"iat": now, "exp": now + 3600, **claims})

    return factory
