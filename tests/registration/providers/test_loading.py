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


@pytest.mark.parametrize("backend", [OktaProvider, DynamicRegistrationProvider])
def test_every_backend_reads_the_http_options_alike(backend):
    http = backend("x", {"TIMEOUT": [1, 2], "MAX_RETRIES": "4", "MAX_RETRY_WAIT": "2.5"}).http
    assert (http.kind, http.timeout, http.max_retries, http.max_wait) == (backend.kind, (1, 2), 4, 2.5)
    http = backend("x", {}).http
    assert (http.timeout, http.max_retries, http.max_wait) == ((3.05, 10.0), 2, 10.0)


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
    assert {error.id for error in check_providers()} & {"registration.E001", "registration.E002", "registration.E003"}


def test_checks_pass_on_the_default_configuration():
    assert check_providers() == []


def test_plain_http_org_url_outside_debug_warns(settings):
    settings.DEBUG, settings.ORG_URL = False, "http://idp.example.com"
    assert [error.id for error in check_providers()] == ["registration.W001"]
    settings.ORG_URL = "http://127.0.0.1:8000"
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": "http://127.0.0.1:8000/oauth2/default"}
    assert check_providers() == []


EXTERNAL = "https://dev-1.okta.com/oauth2/default"
EMBEDDED = "http://127.0.0.1:8000/oauth2/default"


@pytest.mark.parametrize(
    ("issuer", "org_url", "provider", "endpoint", "warns"),
    [
        # An external issuer while clients are still created at the embedded server.
        (EXTERNAL, "http://127.0.0.1:8000", "default", "", True),
        (EXTERNAL, "https://dev-1.okta.com", "dynamic", "http://127.0.0.1:8000/oauth2/v1/clients", True),
        # The embedded issuer while clients are created at a remote server.
        (EMBEDDED, "https://dev-1.okta.com", "default", "", True),
        (EXTERNAL, "https://dev-1.okta.com", "default", "", False),
        (EXTERNAL, "https://dev-1.okta.com", "dynamic", "", False),
        (EMBEDDED, "http://127.0.0.1:8000", "default", "", False),
        # Another local server with its own layout (oidc-provider on loopback) while clients go here.
        ("http://127.0.0.1:3000", "http://127.0.0.1:8000", "default", "", True),
        # This server on another port, or another remote host (an Okta custom domain): not certain.
        (EMBEDDED, "http://127.0.0.1:9000", "default", "", False),
        ("https://login.example.com/oauth2/default", "https://example.okta.com", "default", "", False),
    ],
)
def test_a_provider_whose_clients_the_api_would_refuse_warns(settings, issuer, org_url, provider, endpoint, warns):
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": issuer}
    settings.ORG_URL = org_url
    settings.REGISTRATION = {**settings.REGISTRATION, "PROVIDER": provider}
    settings.REGISTRATION_PROVIDERS = {
        "default": {"BACKEND": "registration.providers.okta.OktaProvider"},
        "dynamic": {
            "BACKEND": "registration.providers.dynamic.DynamicRegistrationProvider",
            "OPTIONS": {"REGISTRATION_ENDPOINT": endpoint},
        },
    }
    found = [error for error in check_providers() if error.id == "registration.W002"]
    assert bool(found) is warns
    if warns:
        (warning,) = found
        assert issuer in warning.msg and "REGISTRATION_PROVIDER" in warning.msg
        assert "ORG_URL" in warning.hint


def test_any_trusted_issuer_on_the_providers_server_is_enough(settings):
    settings.ORG_URL = "http://127.0.0.1:8000"
    settings.API_AUTH = {**settings.API_AUTH, "ISSUERS": {EXTERNAL: {}, EMBEDDED: {}}}
    assert [error.id for error in check_providers()] == []
    settings.API_AUTH = {**settings.API_AUTH, "ISSUERS": {EXTERNAL: {}}}
    assert [error.id for error in check_providers()] == ["registration.W002"]


def dynamic_options(**env: str) -> dict:
    """The `dynamic` provider's OPTIONS as settings.py reads them from this environment."""
    import json
    import os
    import subprocess
    import sys

    names = [name for name in os.environ if name.startswith("REGISTRATION_")]
    clean = {key: value for key, value in os.environ.items() if key not in names}
    code = "import json, ccproject.settings as s; print(json.dumps(s.REGISTRATION_PROVIDERS['dynamic']['OPTIONS']))"
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={**clean, "ENV_FILE": os.devnull, **env},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(result.stdout)


def test_the_dynamic_providers_options_come_from_the_environment():
    assert dynamic_options() == {"REGISTRATION_ENDPOINT": ""}
    assert dynamic_options(
        REGISTRATION_ENDPOINT="http://127.0.0.1:3000/reg",
        REGISTRATION_APPLICATION_TYPE="",
        REGISTRATION_INITIAL_ACCESS_TOKEN="iat-value",
        REGISTRATION_INITIAL_ACCESS_TOKEN_SCHEME="SSWS",
        REGISTRATION_TOKEN_ENDPOINT_AUTH_METHOD="client_secret_post",
    ) == {
        "REGISTRATION_ENDPOINT": "http://127.0.0.1:3000/reg",
        "APPLICATION_TYPE": "",
        "INITIAL_ACCESS_TOKEN": "iat-value",
        "INITIAL_ACCESS_TOKEN_SCHEME": "SSWS",
        "TOKEN_ENDPOINT_AUTH_METHOD": "client_secret_post",
    }


def test_an_empty_application_type_is_not_sent(settings):
    settings.REGISTRATION_PROVIDERS = {
        "dynamic": {
            "BACKEND": "registration.providers.dynamic.DynamicRegistrationProvider",
            "OPTIONS": {"REGISTRATION_ENDPOINT": "https://idp.test/reg", "APPLICATION_TYPE": ""},
        }
    }
    assert not get_provider("dynamic").application_type
