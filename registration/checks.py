"""System checks for client registration (`registration.E001`...)."""

import ipaddress
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from .conf import provider_configs, registration_settings


def _is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").strip("[]")
    try:
        return host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@register()
def check_providers(app_configs=None, **kwargs) -> list:
    from .providers import load_backend

    errors = []
    configs = provider_configs()
    for alias, config in configs.items():
        backend = config.get("BACKEND") if isinstance(config, dict) else None
        if not backend:
            errors.append(Error(f"REGISTRATION_PROVIDERS[{alias!r}] has no BACKEND.", id="registration.E001"))
            continue
        try:
            load_backend(backend)
        except ImproperlyConfigured as exc:
            errors.append(
                Error(
                    str(exc),
                    hint="Use registration.providers.okta.OktaProvider or "
                    "registration.providers.dynamic.DynamicRegistrationProvider.",
                    id="registration.E001",
                )
            )
    if registration_settings.PROVIDER not in configs:
        errors.append(
            Error(
                f"REGISTRATION['PROVIDER'] is {registration_settings.PROVIDER!r}, "
                "not an alias of REGISTRATION_PROVIDERS.",
                id="registration.E002",
            )
        )
    org_url = str(getattr(settings, "ORG_URL", ""))
    if not settings.DEBUG and org_url.startswith("http://") and not _is_loopback(org_url):
        errors.append(
            Warning(
                "ORG_URL is plain http: the provider's API token would cross the network in clear.",
                hint="Use the provider's https URL.",
                id="registration.W001",
            )
        )
    return errors
