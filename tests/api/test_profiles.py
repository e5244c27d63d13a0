"""Issuer profiles: each profile's system checks, its policy resolved once, and its claim rules (unit level).

The vendors' own token shapes, over real HTTP, are in tests/e2e/profiles/.
"""

import pytest

from api.checks import check_api_settings
from api.exceptions import TokenError
from api.issuers import build_policy, trusted_issuers
from api.profiles import PROFILES, STANDARD
from api.validation import client_id_of, scopes_of, validate_token

ISSUER = "https://issuer.test/oauth2/default"


def ids(settings, **api_auth) -> set[str]:
    settings.API_AUTH = {**settings.API_AUTH, **api_auth}
    return {message.id for message in check_api_settings()}


@pytest.mark.parametrize(
    ("api_auth", "expected"),
    [
        ({"PROFILE": "okat"}, {"api.E020"}),
        ({"ISSUERS": {ISSUER: {"PROFILE": "entra-id"}}}, {"api.E020"}),
        ({"ALLOWED_CLIENT_IDS": "client-1"}, {"api.E021"}),
        ({"ALLOWED_CLIENT_IDS": ["client-1", ""]}, {"api.E021"}),
        ({"PROFILE": "cognito"}, {"api.E022"}),
        ({"PROFILE": "cognito", "ALLOWED_CLIENT_IDS": []}, {"api.E022"}),
        ({"ISSUER": "https://tenant.auth0.com", "PROFILE": "auth0"}, {"api.E023"}),
        ({"ISSUER": "https://sso.example.com/auth/demo", "PROFILE": "keycloak"}, {"api.W020"}),
        ({"ISSUER": "https://login.microsoftonline.com/tid/v2.0/", "PROFILE": "entra"}, {"api.W021"}),
        ({"ISSUER": "https://sts.windows.net/tid", "PROFILE": "entra"}, {"api.W021"}),
        ({"RESOURCE_ACCESS_CLIENT": "orders-api"}, {"api.W022"}),
    ],
)
def test_each_profile_checks_what_it_needs(settings, api_auth, expected):
    assert ids(settings, **api_auth) == expected


@pytest.mark.parametrize(
    "api_auth",
    [{"PROFILE": name} for name in ("standard", "okta", "rfc9068")]
    + [
        {"PROFILE": "cognito", "ALLOWED_CLIENT_IDS": ["1example23456789"]},
        {"ISSUER": "https://tenant.auth0.com/", "PROFILE": "auth0"},
        {"ISSUER": "https://sso.example.com/realms/demo", "PROFILE": "keycloak", "RESOURCE_ACCESS_CLIENT": "api"},
        {"ISSUER": "https://sso.example.com/auth/realms/demo", "PROFILE": "keycloak"},
        {"ISSUER": "https://login.microsoftonline.com/tid/v2.0", "PROFILE": "entra"},
        {"ISSUER": "https://sts.windows.net/tid/", "PROFILE": "entra"},
    ],
)
def test_well_configured_profiles_pass(settings, api_auth):
    assert ids(settings, **api_auth) == set()


def test_the_profile_is_resolved_once_per_issuer_policy(settings):
    settings.API_AUTH = {**settings.API_AUTH, "PROFILE": "entra"}
    first = trusted_issuers()[ISSUER]
    assert first.profile is PROFILES["entra"]
    assert trusted_issuers()[ISSUER] is first  # memoised: the request path reads attributes only


def test_an_issuer_entry_overrides_the_global_profile(settings):
    other = "https://other.test/"
    settings.API_AUTH = {**settings.API_AUTH, "PROFILE": "okta", "ISSUERS": {ISSUER: {}, other: {"PROFILE": "auth0"}}}
    policies = trusted_issuers()
    assert (policies[ISSUER].profile.name, policies[other].profile.name) == ("okta", "auth0")


def test_a_profile_without_audience_and_without_allowlist_accepts_no_client():
    assert build_policy(ISSUER, {"PROFILE": "cognito"}).allowed_client_ids == frozenset()
    assert build_policy(ISSUER, {"PROFILE": "cognito", "ALLOWED_CLIENT_IDS": ["a"]}).allowed_client_ids == {"a"}
    assert build_policy(ISSUER, {}).allowed_client_ids is None


def test_rfc9068_and_an_unknown_name():
    assert build_policy(ISSUER, {"PROFILE": "rfc9068"}).strict_rfc9068
    assert build_policy(ISSUER, {"PROFILE": "nope"}).profile is STANDARD  # and api.E020 says so


def test_resource_access_client_only_with_keycloak():
    assert build_policy(ISSUER, {"PROFILE": "keycloak", "RESOURCE_ACCESS_CLIENT": "api"}).roles_client == "api"
    assert build_policy(ISSUER, {"PROFILE": "auth0", "RESOURCE_ACCESS_CLIENT": "api"}).roles_client is None


@pytest.mark.parametrize(
    ("claims", "message"),
    [
        ({"cid": "a", "azp": "b"}, "disagree"),
        ({"cid": ""}, "malformed"),
        ({"cid": "a\x00"}, None),  # any string is an id; it is compared, never interpreted
        ({}, r"names no client \(cid, client_id or azp\)"),
    ],
)
def test_standard_client_rules_are_unchanged(claims, message):
    if message is None:
        assert client_id_of(claims) == "a\x00"
    else:
        with pytest.raises(TokenError, match=message):
            client_id_of(claims)


def test_standard_scope_rules_are_unchanged():
    assert scopes_of({"scp": ["a"], "scope": "b", "permissions": ["c"], "roles": ["d"]}) == {"a"}
    assert scopes_of({"scope": "a b"}) == {"a", "b"}
    assert scopes_of({}) == frozenset()


def test_keycloak_client_roles_shapes():
    keycloak = PROFILES["keycloak"]
    assert scopes_of({"scope": "a"}, keycloak, "api") == {"a"}  # no resource_access: no roles
    assert scopes_of({"resource_access": {"api": {"roles": ["r"]}}}, keycloak, "api") == {"r"}
    for bad in (
        {"resource_access": []},
        {"resource_access": {"api": []}},
        {"resource_access": {"api": {"roles": [1]}}},
    ):
        with pytest.raises(TokenError, match="resource_access"):
            scopes_of(bad, keycloak, "api")


def test_allowed_client_ids_work_with_any_profile(settings, make_token, issuer_http):
    settings.API_AUTH = {**settings.API_AUTH, "ALLOWED_CLIENT_IDS": ["client-2"]}
    with pytest.raises(TokenError, match="may not call this API"):
        validate_token(make_token())
    assert validate_token(make_token(cid="client-2", sub="client-2")).client_id == "client-2"
