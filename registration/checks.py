"""System checks for client registration (`registration.E001`...)."""

from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.core.exceptions import ImproperlyConfigured

from ccproject.loopback import is_loopback_url

from .conf import provider_configs, registration_settings


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
                    id="registration.E003",
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
    errors.extend(check_provider_matches_issuer())
    org_url = str(getattr(settings, "ORG_URL", ""))
    if not settings.DEBUG and org_url.startswith("http://") and not is_loopback_url(org_url):
        errors.append(
            Warning(
                "ORG_URL is plain http: the provider's API token would cross the network in clear.",
                hint="Use the provider's https URL.",
                id="registration.W001",
            )
        )
    return errors


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
    except ValueError:
        port = None
    return parts.scheme, (parts.hostname or "").strip("[]"), port


def check_provider_matches_issuer() -> list:
    """Warn when new clients are created at a server whose tokens the API does not trust.

    Two remote hosts are not compared: a provider's admin API may live on another host than its
    issuer (Okta custom domains). A local provider beside an issuer of this project's own layout
    (`/oauth2/{id}` on loopback) is this server on another port, which `bootstrap` settles.
    """
    from api.conf import api_settings

    from .providers import get_provider

    alias = registration_settings.PROVIDER
    try:
        url = get_provider(alias).url
    except ImproperlyConfigured:
        return []  # registration.E001/E002 already say what is wrong
    issuers = [str(issuer) for issuer in (api_settings.ISSUERS or {})] or [str(api_settings.ISSUER or "")]
    issuers = [issuer for issuer in issuers if issuer]
    if not url or not issuers or any(_origin(issuer) == _origin(url) for issuer in issuers):
        return []
    local_provider = is_loopback_url(url)
    if not local_provider and not any(is_loopback_url(issuer) for issuer in issuers):
        return []
    if local_provider and any(is_loopback_url(issuer) and "/oauth2/" in urlsplit(issuer).path for issuer in issuers):
        return []
    return [
        Warning(
            f"New clients are registered at {url} (REGISTRATION_PROVIDER {alias!r}), but the API trusts "
            f"tokens only from {', '.join(issuers)}: their tokens would be refused as from an untrusted issuer.",
            hint=(
                "Point ORG_URL and TOKEN (the dynamic provider: REGISTRATION_ENDPOINT) at the server of ISSUER, "
                "or trust that server's issuer too (API_AUTH['ISSUERS'])."
            ),
            id="registration.W002",
        )
    ]
