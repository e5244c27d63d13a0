"""Choosing a provider from `REGISTRATION_PROVIDERS`: memoised, reset on change, checked."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from registration.checks import check_providers
from registration.providers import get_provider
from registration.providers.dynamic import DynamicRegistrationProvider
from registration.providers.okta import OktaProvider


def test_default_is_okta_at_org_url_with_token(settings):
    settings.REGISTRATION_PROVIDERS = {"default": {"BACKEND": "registration.providers.okta.OktaProvider"}}
    settings.ORG_URL, settings.TOKEN = "https://example.okta.com/", "api-token"
    provider = get_provider()
    assert isinstance(provider, OktaProvider)
    assert (provider.org_url, provider.token) == ("https://example.okta.com", "api-token")


def test_options_override_the_settings(settings):
    settings.REGISTRATION_PROVIDERS = {
        "default": {
            "BACKEND": "registration.providers.okta.OktaProvider",
            "OPTIONS": {"ORG_URL": "https://other.okta.com", "TOKEN": "other", "TIMEOUT": [1, 2]},
        }
    }
    provider = get_provider()
    assert (provider.org_url, provider.token, provider.http.timeout) == ("https://other.okta.com", "other", (1, 2))


def test_dynamic_defaults_to_the_org_endpoint(settings):
    settings.ORG_URL, settings.TOKEN = "https://idp.test", "iat"
    provider = get_provider("dynamic")
    assert isinstance(provider, DynamicRegistrationProvider)
    assert (provider.endpoint, provider.initial_access_token) == ("https://idp.test/oauth2/v1/clients", "iat")


def test_memoised_and_reset_on_setting_changed(settings):
    first = get_provider()
    assert get_provider() is first
    settings.TOKEN = "rotated"
    second = get_provider()
    assert second is not first and second.token == "rotated"
    settings.REGISTRATION = {**settings.REGISTRATION, "PROVIDER": "dynamic"}
    assert isinstance(get_provider(), DynamicRegistrationProvider)


@pytest.mark.parametrize(
    ("providers", "message"),
    [
        ({"default": {"BACKEND": "registration.providers.nope.Provider"}}, "cannot be imported"),
        ({"default": {"BACKEND": "registration.models.RegisteredClient"}}, "not a BaseProvider subclass"),
        ({"default": {"OPTIONS": {}}}, "needs a BACKEND"),
        ({"other": {"BACKEND": "registration.providers.okta.OktaProvider"}}, "no provider 'default'"),
    ],
)
def test_bad_configuration_is_improperly_configured(settings, providers, message):
    settings.REGISTRATION_PROVIDERS = providers
    with pytest.raises(ImproperlyConfigured, match=message):
        get_provider()
    assert {error.id for error in check_providers()} & {"registration.E001", "registration.E002"}


def test_checks_pass_on_the_default_configuration():
    assert check_providers() == []


def test_plain_http_org_url_outside_debug_warns(settings):
    settings.DEBUG, settings.ORG_URL = False, "http://idp.example.com"
    assert [error.id for error in check_providers()] == ["registration.W001"]
    settings.ORG_URL = "http://127.0.0.1:8000"
    assert check_providers() == []
