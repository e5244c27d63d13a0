"""`manage.py check` reports each misconfiguration of the resource server with its id."""

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from api.checks import check_api_settings

OK_ISSUER = "https://issuer.test/oauth2/default"


def ids(settings, **api_auth) -> set[str]:
    settings.API_AUTH = {**settings.API_AUTH, **api_auth}
    return {message.id for message in check_api_settings()}


def test_the_test_settings_pass(settings):
    assert ids(settings) == set()


@pytest.mark.parametrize(
    ("api_auth", "expected"),
    [
        ({"ISSUER": ""}, "api.E001"),
        ({"ISSUER": "http://issuer.example/oauth2/default"}, "api.E017"),
        ({"ISSUER": "issuer.example"}, "api.E002"),
        ({"AUDIENCE": ""}, "api.E003"),
        ({"AUDIENCE": []}, "api.E003"),
        ({"ALGORITHMS": ["RS256", "HS256"]}, "api.E004"),
        ({"ALGORITHMS": ["none"]}, "api.E004"),
        ({"ALGORITHMS": []}, "api.E004"),
        ({"JWKS_URI": "http://keys.example/keys"}, "api.E018"),
        ({"LEEWAY": -1}, "api.E011"),
        ({"JWKS_REFRESH_COOLDOWN": 0}, "api.E006"),
        ({"JWKS_MIN_TTL": 600, "JWKS_MAX_TTL": 60}, "api.E012"),
        ({"MIN_RSA_BITS": 1024}, "api.E013"),
        ({"HTTP_TIMEOUT": None}, "api.E014"),
        ({"CACHE_ALIAS": "nope"}, "api.E007"),
        ({"AUDIENSE": "typo"}, "api.E008"),
        ({"ISSUERS": {OK_ISSUER: {"AUDIENSE": "x"}}}, "api.E009"),
        ({"ISSUERS": ["not", "a", "dict"]}, "api.E016"),
        ({"ISSUERS": {OK_ISSUER: {"ALGORITHMS": ["HS512"]}}}, "api.E004"),
        ({"LEEWAY": 3600}, "api.W002"),
        ({"JWKS_RECHECK_INTERVAL": 0}, "api.E006"),
        ({"JWKS_RECHECK_INTERVAL": "5"}, "api.E006"),
        ({"JWKS_RECHECK_INTERVAL": 300}, "api.W003"),
    ],
)
def test_each_misconfiguration_is_reported(settings, api_auth, expected):
    assert expected in ids(settings, **api_auth)


def test_a_cache_not_shared_between_processes_is_a_warning(settings):
    settings.CACHES = {**settings.CACHES, "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert ids(settings, CACHE_ALIAS="local") == {"api.W001"}


def test_plain_http_is_fine_for_loopback_and_debug(settings):
    assert ids(settings, ISSUER="http://127.0.0.1:8000/oauth2/default") == set()
    settings.DEBUG = True
    assert ids(settings, ISSUER="http://issuer.example/oauth2/default") == set()


def test_messages_carry_hints(settings):
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": ""}
    (message,) = check_api_settings()
    assert message.hint and "ISSUER" in message.hint


def test_manage_py_check_fails_on_errors(settings):
    settings.API_AUTH = {**settings.API_AUTH, "AUDIENCE": ""}
    with pytest.raises(SystemCheckError, match=r"api\.E003"):
        call_command("check")
