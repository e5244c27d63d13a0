"""The embedded server's system checks."""

import pytest

from authserver.checks import check_authserver


def ids() -> list[str]:
    return [problem.id for problem in check_authserver()]


def test_default_configuration_is_clean():
    assert ids() == []


def test_symmetric_signing_algorithm_is_an_error(settings):
    settings.AUTHSERVER = {**settings.AUTHSERVER, "SIGNING_ALGORITHM": "HS256"}
    assert ids() == ["authserver.E001"]


def test_open_registration_is_an_error(settings):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "DCR_REGISTRATION_PERMISSION_CLASSES": ("oauth2_provider.dcr.AllowAllDCRPermission",),
    }
    assert ids() == ["authserver.E002"]


def test_plain_http_outside_debug_is_a_warning(settings):
    settings.AUTHSERVER = {**settings.AUTHSERVER, "ALLOW_INSECURE_HTTP": True}
    settings.DEBUG = False
    assert ids() == ["authserver.W001"]
    settings.DEBUG = True
    assert ids() == []


# -- client assertions (private_key_jwt) -------------------------------------------------------


def assertion_ids() -> list[str]:
    from authserver.checks import check_client_assertions

    return [problem.id for problem in check_client_assertions()]


def test_client_assertion_defaults_are_clean():
    assert assertion_ids() == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"CLIENT_ASSERTION_ALGORITHMS": ["RS256", "HS256"]}, "authserver.E010"),
        ({"CLIENT_ASSERTION_ALGORITHMS": ["none"]}, "authserver.E010"),
        ({"CLIENT_ASSERTION_ALGORITHMS": []}, "authserver.E010"),
        ({"CLIENT_ASSERTION_ALGORITHMS": "RS256"}, "authserver.E010"),
        ({"CLIENT_ASSERTION_MAX_LIFETIME": 0}, "authserver.E011"),
        ({"CLIENT_ASSERTION_LEEWAY": -1}, "authserver.E011"),
        ({"CLIENT_ASSERTION_MAX_LIFETIME": "3600"}, "authserver.E011"),
        ({"CLIENT_JWKS_HTTP_TIMEOUT": 5}, "authserver.E012"),
        ({"CLIENT_JWKS_HTTP_TIMEOUT": (1, 0)}, "authserver.E012"),
        ({"CLIENT_JWKS_MAX_BYTES": 0}, "authserver.E012"),
    ],
)
def test_client_assertion_misconfiguration(settings, changes, expected):
    settings.AUTHSERVER = {**settings.AUTHSERVER, **changes}
    assert assertion_ids() == [expected]


@pytest.mark.parametrize("backend", ["locmem.LocMemCache", "dummy.DummyCache"])
def test_a_replay_cache_that_is_not_shared_is_a_warning(settings, backend):
    settings.CACHES = {**settings.CACHES, "default": {"BACKEND": f"django.core.cache.backends.{backend}"}}
    assert assertion_ids() == ["authserver.W010"]
