"""Discovery of the key set from the issuer alone (RFC 8414, OpenID Connect Discovery)."""

import pytest
import responses

from api.discovery import discover_jwks_uri, metadata_urls, token_endpoint
from api.jwks import get_key_set
from api.remote import FetchError, parse_max_age


def test_metadata_urls_try_inserted_then_appended_then_openid():
    assert metadata_urls("https://idp.test/oauth2/default") == [
        "https://idp.test/.well-known/oauth-authorization-server/oauth2/default",
        "https://idp.test/oauth2/default/.well-known/oauth-authorization-server",
        "https://idp.test/oauth2/default/.well-known/openid-configuration",
    ]


def test_metadata_urls_for_an_issuer_without_path():
    assert metadata_urls("https://idp.test") == [
        "https://idp.test/.well-known/oauth-authorization-server",
        "https://idp.test/.well-known/openid-configuration",
    ]


@responses.activate
def test_falls_back_to_openid_configuration():
    responses.get("https://idp.test/.well-known/oauth-authorization-server/oauth2/x", status=404)
    responses.get("https://idp.test/oauth2/x/.well-known/oauth-authorization-server", status=404)
    responses.get(
        "https://idp.test/oauth2/x/.well-known/openid-configuration",
        json={"issuer": "https://idp.test/oauth2/x", "jwks_uri": "https://idp.test/keys"},
    )
    assert discover_jwks_uri("https://idp.test/oauth2/x") == "https://idp.test/keys"


@responses.activate
def test_metadata_for_another_issuer_is_refused():
    for url in metadata_urls("https://idp.test/oauth2/x"):
        responses.get(url, json={"issuer": "https://evil.test/oauth2/x", "jwks_uri": "https://evil.test/keys"})
    with pytest.raises(FetchError, match="names another issuer"):
        discover_jwks_uri("https://idp.test/oauth2/x")


@responses.activate
@pytest.mark.parametrize("body", [b"<html>", b"[1, 2]", b"\xff\xfe"])
def test_non_object_bodies_are_refused(body):
    for url in metadata_urls("https://idp.test/oauth2/x"):
        responses.get(url, body=body)
    with pytest.raises(FetchError):
        discover_jwks_uri("https://idp.test/oauth2/x")


@pytest.mark.parametrize(
    ("header", "expected"),
    [("max-age=300", 300), ("public, max-age=60, must-revalidate", 60), ("no-cache", None), ("max-age=x", None)],
)
def test_parse_max_age(header, expected):
    assert parse_max_age(header) == expected


ISSUER_X = "https://idp.test/oauth2/x"
INSERTED_X = "https://idp.test/.well-known/oauth-authorization-server/oauth2/x"


@responses.activate
def test_token_endpoint_comes_from_the_metadata():
    responses.get(
        INSERTED_X,
        json={"issuer": ISSUER_X, "jwks_uri": "https://idp.test/keys", "token_endpoint": "https://idp.test/t"},
    )
    assert token_endpoint(ISSUER_X) == "https://idp.test/t"


@responses.activate
def test_token_endpoint_setting_wins_without_asking(settings):
    settings.API_AUTH = {**settings.API_AUTH, "TOKEN_ENDPOINT": "https://sso.test/token"}
    assert token_endpoint(ISSUER_X) == "https://sso.test/token"
    assert not responses.calls


@responses.activate
@pytest.mark.parametrize("named", [None, "http://idp.test/t", "not a url", 42])
def test_metadata_without_a_usable_token_endpoint_gives_oktas_layout(named):
    metadata = {"issuer": ISSUER_X, "jwks_uri": "https://idp.test/keys", "token_endpoint": named}
    responses.get(INSERTED_X, json=metadata)
    assert token_endpoint(ISSUER_X) == "https://idp.test/oauth2/x/v1/token"


@responses.activate
def test_an_unreachable_issuer_is_asked_once_per_cooldown(settings):
    settings.API_AUTH = {**settings.API_AUTH, "JWKS_REFRESH_COOLDOWN": 30}
    for _ in range(5):
        assert token_endpoint(ISSUER_X) == "https://idp.test/oauth2/x/v1/token"
    assert len(responses.calls) == 3  # the three metadata locations, once


@responses.activate
def test_the_key_sets_discovery_answers_the_token_endpoint_too(settings, jwks):
    responses.get(
        INSERTED_X,
        json={"issuer": ISSUER_X, "jwks_uri": "https://idp.test/keys", "token_endpoint": "https://idp.test/t"},
    )
    responses.get("https://idp.test/keys", json=jwks)
    get_key_set(ISSUER_X).refresh_now()
    assert token_endpoint(ISSUER_X) == "https://idp.test/t"
    assert [call.request.url for call in responses.calls] == [INSERTED_X, "https://idp.test/keys"]


def test_an_entra_v1_issuer_is_looked_up_where_microsoft_publishes_it():
    tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    urls = metadata_urls(f"https://sts.windows.net/{tenant}/")
    assert urls[0] == f"https://login.microsoftonline.com/{tenant}/.well-known/openid-configuration"
    assert f"https://sts.windows.net/{tenant}/.well-known/openid-configuration" in urls


@responses.activate
def test_an_entra_v1_issuers_keys_come_from_the_login_hosts_metadata():
    tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47"
    issuer = f"https://sts.windows.net/{tenant}/"
    responses.get(
        f"https://login.microsoftonline.com/{tenant}/.well-known/openid-configuration",
        json={"issuer": issuer, "jwks_uri": f"https://login.microsoftonline.com/{tenant}/discovery/keys"},
    )
    assert discover_jwks_uri(issuer) == f"https://login.microsoftonline.com/{tenant}/discovery/keys"
