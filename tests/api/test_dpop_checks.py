"""`manage.py check` on the DPoP settings: each misconfiguration with its id."""

import pytest
from django.core.checks import Tags, registry
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from api.dpop_checks import check_dpop_settings


def ids(settings, **api_auth) -> set[str]:
    settings.API_AUTH = {**settings.API_AUTH, **api_auth}
    return {message.id for message in check_dpop_settings()}


def test_the_defaults_pass(settings):
    assert ids(settings) == set()


@pytest.mark.parametrize(
    ("api_auth", "expected"),
    [
        ({"DPOP": "sometimes"}, "api.E030"),
        ({"DPOP_ALGORITHMS": []}, "api.E031"),
        ({"DPOP_ALGORITHMS": ["ES256", "HS256"]}, "api.E031"),
        ({"DPOP_ALGORITHMS": "ES256"}, "api.E031"),
        ({"MTLS_CERTIFICATE_HEADER": "Client-Cert"}, "api.E032"),
        ({"MTLS_CERTIFICATE_HEADER": "Client-Cert", "MTLS_TRUSTED_PROXIES": ["not an address"]}, "api.E033"),
    ],
)
def test_each_misconfiguration_has_its_id(settings, api_auth, expected):
    assert ids(settings, **api_auth) == {expected}


def test_a_per_process_replay_cache_is_warned_about_unless_dpop_is_off(settings):
    settings.CACHES = {**settings.CACHES, "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    assert ids(settings, CACHE_ALIAS="local") == {"api.W030"}
    assert ids(settings, CACHE_ALIAS="local", DPOP="disabled") == set()


def test_registered_as_a_security_check_and_run_by_manage_py_check(settings):
    assert check_dpop_settings in registry.registry.get_checks()
    assert Tags.security in check_dpop_settings.tags
    settings.API_AUTH = {**settings.API_AUTH, "DPOP": "sometimes"}
    with pytest.raises(SystemCheckError, match=r"api\.E030"):
        call_command("check")
