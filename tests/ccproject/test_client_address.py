"""`ccproject.client_address`: the throttles' rule (DRF's, `NUM_PROXIES`-aware), and only IP addresses."""

import pytest
from django.test import RequestFactory
from rest_framework.request import Request
from rest_framework.throttling import BaseThrottle

from ccproject.client_address import client_address


def request_from(remote: str | None = "192.0.2.10", forwarded: str | None = None):
    meta = {"REMOTE_ADDR": remote} if remote is not None else {}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    request = RequestFactory().get("/")
    request.META.pop("REMOTE_ADDR", None)
    request.META.update(meta)
    return request


@pytest.mark.parametrize(
    ("proxies", "remote", "forwarded", "expected"),
    [
        (0, "192.0.2.10", "198.51.100.1", "192.0.2.10"),  # no proxy trusted: the header is ignored
        (1, "10.0.0.1", "198.51.100.1", "198.51.100.1"),
        (1, "10.0.0.1", "203.0.113.9, 198.51.100.1", "198.51.100.1"),  # the client's own entry is not believed
        (2, "10.0.0.1", "203.0.113.9, 198.51.100.1, 10.0.0.2", "198.51.100.1"),
        (1, "10.0.0.1", None, "10.0.0.1"),  # no header: the peer
        (1, "10.0.0.1", "2001:DB8::1", "2001:db8::1"),  # normalised
        (0, "fe80::1%eth0", None, "fe80::1"),  # a zone names the proxy's interface
        (1, "10.0.0.1", "unknown", None),
        (1, "10.0.0.1", "198.51.100.1:443", None),  # a port appended by a proxy is no address
        (1, "10.0.0.1", "1" * 5000, None),
        (1, "10.0.0.1", "198.51.100.1\x00", None),
        (0, None, None, None),  # a request with no peer (built by hand)
        (0, "", None, None),
    ],
)
def test_the_address(settings, proxies, remote, forwarded, expected):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": proxies}
    request = request_from(remote, forwarded)
    assert client_address(request) == expected
    assert client_address(Request(request)) == expected  # DRF's request too


def test_the_same_rule_as_the_throttles(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    request = request_from("10.0.0.1", "203.0.113.9, 198.51.100.1")
    assert client_address(request) == BaseThrottle().get_ident(request)
