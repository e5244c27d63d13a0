"""`ccproject.loopback`: only this machine's loopback counts as loopback, whatever a host name pretends."""

import pytest

from ccproject.loopback import is_loopback_host, is_loopback_url


@pytest.mark.parametrize(
    "host", ["localhost", "api.localhost", "127.0.0.1", "127.255.0.9", "::1", "[::1]", "0:0:0:0:0:0:0:1"]
)
def test_loopback_hosts(host):
    assert is_loopback_host(host)


@pytest.mark.parametrize(
    "host",
    [
        None,
        "",
        "localhost.evil.test",  # a public name that starts like loopback
        "127.0.0.1.nip.io",  # a public name that resolves to loopback: not taken on its word
        "evil-localhost",
        "127.1",  # shorthand the resolver expands, not an address
        "0x7f.0.0.1",
        "2130706433",
        "10.0.0.1",
        "0.0.0.0",
        "::",
        "[::1",  # unbalanced brackets name no host
        "::1]",
        "[[::1]]",
        "127.0.0.1\x00.evil.test",
        "loc\u0430lhost",  # a Cyrillic small a (U+0430) for the Latin one
    ],
)
def test_everything_else_is_not_loopback(host):
    assert is_loopback_host(host) is False


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8000/oauth2/default", True),
        ("http://[::1]:9000/keys", True),
        ("http://LOCALHOST/keys", True),  # URLs compare host names case-insensitively
        ("https://issuer.test/oauth2/default", False),
        ("http://127.0.0.1@evil.test/keys", False),  # userinfo is not the host
        ("http://evil.test#@127.0.0.1/", False),
        ("http://[::1/keys", False),  # cannot be parsed
        ("not a url", False),
    ],
)
def test_loopback_urls_by_their_real_host(url, expected):
    assert is_loopback_url(url) is expected
