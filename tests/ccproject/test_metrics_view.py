"""`GET /metrics`: loopback and METRICS_ALLOWED_IPS only, 404 in the error shape to anyone else, never cached."""

import json

import pytest
from django.core.checks import Error
from django.test import RequestFactory

from api.checks import check_metrics_settings
from ccproject.metrics_view import invalid_entries, metrics
from conftest import ISSUER

factory = RequestFactory()


def scrape(remote_addr: str = "127.0.0.1", method: str = "get", **extra):
    return metrics(getattr(factory, method)("/metrics", REMOTE_ADDR=remote_addr, **extra))


def assert_hidden(response) -> None:
    assert response.status_code == 404
    assert json.loads(response.content) == {"error": "not_found", "error_description": "No endpoint at this path."}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("address", ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
def test_loopback_may_scrape(address):
    response = scrape(address)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    assert response["Cache-Control"] == "no-store"
    assert b"# TYPE ccproject_token_validations_total counter" in response.content


@pytest.mark.parametrize(
    "address", ["10.1.2.3", "192.168.0.1", "8.8.8.8", "2001:db8::1", "", "garbage", "127.0.0.1\x00"]
)
def test_anyone_else_gets_the_404_of_a_path_that_does_not_exist(address):
    assert_hidden(scrape(address))


@pytest.mark.parametrize(
    ("allowed", "address"),
    [
        (["10.0.0.0/8"], "10.1.2.3"),
        (["192.0.2.7"], "192.0.2.7"),
        (["2001:db8::/32"], "2001:db8::1"),
        (["10.0.0.0/8"], "::ffff:10.9.9.9"),
        (["bogus", " 10.0.0.0/8 "], "10.1.2.3"),
    ],
)
def test_an_address_in_metrics_allowed_ips_may_scrape(settings, allowed, address):
    settings.METRICS_ALLOWED_IPS = allowed
    assert scrape(address).status_code == 200


@pytest.mark.parametrize(
    ("allowed", "address"), [(["10.0.0.0/8"], "11.0.0.1"), (["bogus"], "10.1.2.3"), ([], "10.1.2.3")]
)
def test_an_address_outside_them_may_not(settings, allowed, address):
    settings.METRICS_ALLOWED_IPS = allowed
    assert_hidden(scrape(address))


@pytest.mark.parametrize(
    "header", ["HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP", "HTTP_X_FORWARDED_PROTO"]
)
def test_a_request_a_proxy_relayed_is_refused_even_from_loopback(settings, header):
    """A proxy on the same host connects from loopback: what it relays is someone else's request."""
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert_hidden(scrape("127.0.0.1", **{header: "203.0.113.9"}))
    assert_hidden(scrape("10.1.2.3", **{header: "10.1.2.3"}))


def test_other_methods_are_405_for_a_caller_who_may_scrape_and_404_for_anyone_else():
    response = scrape("127.0.0.1", method="post")
    assert response.status_code == 405
    assert response["Allow"] == "GET, HEAD"
    assert json.loads(response.content)["error"] == "method_not_allowed"
    assert_hidden(scrape("10.1.2.3", method="post"))


def test_openmetrics_when_asked_for():
    response = scrape(HTTP_ACCEPT="application/openmetrics-text; version=1.0.0")
    assert response["Content-Type"].startswith("application/openmetrics-text")
    assert response.content.rstrip().endswith(b"# EOF")


def test_through_the_url_map_never_redirected_never_throttled(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"client": "1/hour"}}
    assert client.get("/").status_code == 301  # the API itself is redirected
    for _ in range(3):
        response = client.get("/metrics")  # the test client's REMOTE_ADDR is 127.0.0.1
        assert response.status_code == 200
        assert response["Cache-Control"] == "no-store"
    assert_hidden(client.get("/metrics", REMOTE_ADDR="203.0.113.9"))


def test_the_key_sets_are_described_at_scrape_time(api_client, make_token, issuer_http):
    assert api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {make_token()}").status_code == 200
    text = scrape().content.decode()
    assert f'ccproject_jwks_state{{issuer="{ISSUER}",state="fresh"}} 1.0' in text
    assert f'ccproject_jwks_keys{{issuer="{ISSUER}"}} 1.0' in text
    assert f'ccproject_jwks_age_seconds{{issuer="{ISSUER}"}}' in text


def test_a_scrape_fetches_no_key_set(issuer_http):
    text = scrape().content.decode()
    assert f'ccproject_jwks_state{{issuer="{ISSUER}",state="missing"}} 1.0' in text
    assert len(issuer_http.calls) == 0


# --- the system check --------------------------------------------------------------------------------


def test_bad_entries_are_a_system_check_error(settings):
    settings.METRICS_ALLOWED_IPS = ["10.0.0.0/8", "not-an-address", "10.0.0.300", "::1", "fe80::/10"]
    errors = check_metrics_settings()
    assert [error.id for error in errors] == ["api.E040", "api.E040"]
    assert all(isinstance(error, Error) for error in errors)
    assert "not-an-address" in errors[0].msg and "10.0.0.300" in errors[1].msg


@pytest.mark.parametrize("value", [[], ["127.0.0.1"], "10.0.0.0/8", ("192.0.2.0/24",)])
def test_good_settings_pass_the_check(settings, value):
    settings.METRICS_ALLOWED_IPS = value
    assert check_metrics_settings() == []


def test_entries_that_are_not_text_are_invalid():
    assert invalid_entries([None, 10, "10.0.0.1"]) == [None, 10]
    assert invalid_entries(None) == [None]
