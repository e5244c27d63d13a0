"""`api_settings`: a setting read once is a plain attribute, and a settings change replaces it."""

import pytest

from api.conf import DEFAULTS, api_settings


def test_a_read_setting_becomes_an_attribute_and_a_change_replaces_it(settings):
    settings.API_AUTH = {**settings.API_AUTH, "REALM": "first"}
    assert api_settings.REALM == "first"
    assert api_settings.__dict__["REALM"] == "first"  # later reads skip __getattr__
    settings.API_AUTH = {**settings.API_AUTH, "REALM": "second"}
    assert api_settings.REALM == "second"


def test_a_removed_setting_falls_back_to_its_default(settings):
    settings.API_AUTH = {**settings.API_AUTH, "MAX_TOKEN_BYTES": 100}
    assert api_settings.MAX_TOKEN_BYTES == 100
    settings.API_AUTH = {k: v for k, v in settings.API_AUTH.items() if k != "MAX_TOKEN_BYTES"}
    assert DEFAULTS["MAX_TOKEN_BYTES"] == api_settings.MAX_TOKEN_BYTES


def test_an_unknown_setting_is_an_error():
    with pytest.raises(AttributeError, match="Invalid API_AUTH setting"):
        api_settings.NO_SUCH_SETTING  # noqa: B018
