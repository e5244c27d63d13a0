"""Per-client rate limits on the API: 429 with Retry-After, separate budgets, fail open."""

import logging
import socket

import pytest
from rest_framework.test import APIRequestFactory

from api.throttling import ClientRateThrottle


@pytest.fixture
def rate(settings):
    def set_rate(value: str | None, scope: str = "client") -> None:
        settings.REST_FRAMEWORK = {
            **settings.REST_FRAMEWORK,
            "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], scope: value},
        }

    return set_rate


@pytest.fixture
def clock(monkeypatch):
    now = [1_000_040.0]  # 20 s into a minute window (1_000_020 is a multiple of 60)
    monkeypatch.setattr(ClientRateThrottle, "timer", staticmethod(lambda: now[0]))
    return now


def call(api_client, token: str):
    return api_client.get("/", HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION=f"Bearer {token}")


def test_a_client_over_its_rate_gets_429_with_retry_after(api_client, make_token, issuer_http, rate, clock):
    rate("3/min")
    token = make_token()
    assert [call(api_client, token).status_code for _ in range(3)] == [200, 200, 200]
    response = call(api_client, token)
    assert response.status_code == 429
    assert response["Retry-After"] == "40"
    assert response.json()["error"] == "throttled"
    assert token not in response.content.decode()


def test_the_budget_is_per_client_id_not_per_token(api_client, make_token, issuer_http, rate, clock):
    rate("2/min")
    # Two distinct tokens of one client share its budget; another client has its own.
    assert call(api_client, make_token()).status_code == 200
    assert call(api_client, make_token()).status_code == 200
    assert call(api_client, make_token()).status_code == 429
    assert call(api_client, make_token(cid="client-2", sub="client-2")).status_code == 200


def test_the_next_window_resets_the_budget(api_client, make_token, issuer_http, rate, clock):
    rate("1/min")
    token = make_token()
    assert call(api_client, token).status_code == 200
    assert call(api_client, token).status_code == 429
    clock[0] += 40
    assert call(api_client, token).status_code == 200


def test_no_rate_means_no_throttling(api_client, make_token, issuer_http, rate, clock):
    rate(None)
    token = make_token()
    assert {call(api_client, token).status_code for _ in range(5)} == {200}


def test_a_views_throttle_scope_selects_its_rate(rate, clock, django_user_model):
    rate("1/min", scope="registration")
    view = type("RegistrationLikeView", (), {"throttle_scope": "registration"})()
    factory = APIRequestFactory()
    request = factory.post("/register/", REMOTE_ADDR="203.0.113.9")
    request.user = None
    assert ClientRateThrottle().allow_request(request, view)
    throttle = ClientRateThrottle()
    assert not throttle.allow_request(request, view)
    assert throttle.wait() == 40
    # Session users are counted by user, whatever their address.
    user = django_user_model.objects.create_user("staff", is_staff=True)
    request.user = user
    assert ClientRateThrottle().allow_request(request, view)


def test_addresses_come_from_the_peer_unless_proxies_are_declared(rate, clock, settings):
    rate("1/min")
    factory = APIRequestFactory()
    view = object()

    def request(forwarded: str):
        req = factory.get("/", REMOTE_ADDR="198.51.100.7", HTTP_X_FORWARDED_FOR=forwarded)
        req.user = None
        return req

    assert ClientRateThrottle().allow_request(request("192.0.2.1"), view)
    # A spoofed X-Forwarded-For does not buy a fresh budget (NUM_PROXIES = 0).
    assert not ClientRateThrottle().allow_request(request("192.0.2.2"), view)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_failing_throttle_cache_lets_requests_through(
    api_client, make_token, issuer_http, rate, settings, caplog, monkeypatch
):
    rate("1/min")
    monkeypatch.setattr(ClientRateThrottle, "_last_warning", float("-inf"))
    monkeypatch.setattr(ClientRateThrottle, "_skip_until", float("-inf"))
    attempts = []
    original = ClientRateThrottle._count
    monkeypatch.setattr(ClientRateThrottle, "_count", lambda self, key: attempts.append(key) or original(self, key))
    # Nothing listens on this port: every cache call fails with a connection error.
    settings.CACHES = {
        **settings.CACHES,
        "throttle": {
            "BACKEND": "ccproject.redis_cache.RedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
        },
    }
    token = make_token()
    with caplog.at_level(logging.WARNING, logger="api.throttling"):
        assert [call(api_client, token).status_code for _ in range(3)] == [200, 200, 200]
    warnings = [r for r in caplog.records if r.name == "api.throttling"]
    assert len(warnings) == 1  # one line per interval, not one per request
    assert len(attempts) == 1  # the broken cache is left alone for retry_interval


@pytest.fixture(autouse=True)
def _fresh_breaker(monkeypatch):
    monkeypatch.setattr(ClientRateThrottle, "_skip_until", float("-inf"))


def test_a_window_counter_created_by_a_concurrent_request_is_incremented(rate, clock, monkeypatch):
    # `_count` tries `incr` first; when another request creates the counter between that
    # `incr` and our `add`, the `add` fails and the request is counted on that counter.
    rate("3/min")
    throttle = ClientRateThrottle()
    throttle.duration = 60
    cache = throttle.cache
    cache.delete("race-key")
    real_incr = cache.incr
    calls = []

    def incr_after_a_concurrent_add(key, delta=1, version=None):
        calls.append(key)
        if len(calls) == 1:
            try:
                return real_incr(key, delta, version)
            finally:
                cache.add(key, 1, timeout=61)  # the other request's `add`, after our miss
        return real_incr(key, delta, version)

    monkeypatch.setattr(cache, "incr", incr_after_a_concurrent_add)
    assert throttle._count("race-key") == 2
    assert calls == ["race-key", "race-key"]
    assert throttle._count("race-key") == 3
    cache.delete("race-key")


def test_a_window_first_request_creates_the_counter(rate, clock):
    throttle = ClientRateThrottle()
    throttle.duration = 60
    throttle.cache.delete("first-key")
    assert [throttle._count("first-key") for _ in range(3)] == [1, 2, 3]
    throttle.cache.delete("first-key")
