"""The embedded server's system checks."""

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
