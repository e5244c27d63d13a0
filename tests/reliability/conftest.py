"""Fixtures for failure scenarios: a real key server, a controllable clock, request helpers."""

import pytest
from django.core.cache import caches

from api.jwks import KeySet
from tests.support.keyserver import KeyServer

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


class Clock:
    """The key cache's notion of now (`KeySet.timer`), moved by tests instead of sleeping."""

    def __init__(self, start: float):
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch):
    import time

    clock = Clock(time.time())
    monkeypatch.setattr(KeySet, "timer", staticmethod(clock))
    return clock


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
    """What the shared cache holds for an issuer's key set, whatever its key prefix."""
    return caches["default"].get(KeySet.cache_key_prefix + issuer)
