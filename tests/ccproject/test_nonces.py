"""`NonceSource`: stateless DPoP nonces (RFC 9449 §8, §9) that any host of one deployment checks alike."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ccproject.nonces import NonceSource

SECRET = "deployment-secret-" + "s" * 40
NOW = 1_800_000_000.0


@pytest.fixture
def api() -> NonceSource:
    return NonceSource("api", lifetime=300, secret=SECRET)


def test_a_nonce_holds_for_its_window_and_the_next_then_expires(api):
    nonce = api.current(NOW)
    start = NOW - NOW % 300
    assert api.is_valid(nonce, start) and api.is_valid(nonce, start + 299.9)
    assert api.is_valid(nonce, start + 300)  # the previous window's nonce is still taken
    assert not api.is_valid(nonce, start + 600)
    assert not api.is_valid(nonce, start - 0.1)  # a nonce from the future is nobody's


def test_another_host_of_the_deployment_takes_it_and_nothing_else_does(api):
    nonce = api.current(NOW)
    assert NonceSource("api", lifetime=300, secret=SECRET).is_valid(nonce, NOW)
    assert not NonceSource("issuer", lifetime=300, secret=SECRET).is_valid(nonce, NOW)  # the issuer's differ
    assert not NonceSource("api", lifetime=300, secret="another-deployment").is_valid(nonce, NOW)


def test_a_forged_mac_or_window_is_refused(api):
    window, _, mac = api.current(NOW).partition(".")
    other = api.current(NOW + 300).partition(".")[2]
    assert not api.is_valid(f"{window}.{other}", NOW)  # a real MAC of another window
    assert not api.is_valid(f"{int(window) - 1}.{mac}", NOW)
    flipped = ("A" if mac[0] != "A" else "B") + mac[1:]
    assert not api.is_valid(f"{window}.{flipped}", NOW)


@pytest.mark.parametrize(
    "nonce",
    [
        "",
        ".",
        "6000000",
        "6000000.",
        "६००००००.AAAAAAAAAAAAAAAAAAAAAAAA",  # Devanagari digits are digits to str.isdigit
        "6000000.AAAAAAAAAAAAAAAAAAAAAAA",  # 23 characters
        "6000000.AAAAAAAAAAAAAAAAAAAAAAA=",
        "6000000.AAAAAAAAAAAAAAAAAAAAAA\x00A",
        "6000000.AAAAAAAAAAAAAAAAAAAAAA+/",
        "9999999999999.AAAAAAAAAAAAAAAAAAAAAAAA",
        "-1.AAAAAAAAAAAAAAAAAAAAAAAA",
    ],
)
def test_malformed_nonces_are_refused_without_an_error(api, nonce):
    assert api.is_valid(nonce, NOW) is False


@given(st.text(max_size=64))
def test_no_text_is_taken_for_a_nonce_by_chance(text):
    assert NonceSource("api", lifetime=300, secret=SECRET).is_valid(text, NOW) is False


@pytest.mark.parametrize("lifetime", [0, -5])
def test_a_lifetime_must_be_positive(lifetime):
    with pytest.raises(ValueError, match="positive number of seconds"):
        NonceSource("api", lifetime=lifetime, secret=SECRET)


def test_the_default_secret_is_the_deployments_secret_key(settings):
    settings.SECRET_KEY = SECRET
    assert NonceSource("api").is_valid(NonceSource("api", secret=SECRET).current(NOW), NOW)
