"""Registration settings: `settings.REGISTRATION` over defaults, reloaded on `setting_changed`."""

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULTS = {
    # The alias in REGISTRATION_PROVIDERS that new registrations go to.
    "PROVIDER": "default",
    # The scope a bearer token needs to register clients, and to list and change them.
    "REGISTER_SCOPE": "clients:register",
    "MANAGE_SCOPE": "clients:manage",
    # DRF rate for POST /register/, per staff user or per client.
    "THROTTLE_RATE": "10/minute",
    # The token endpoint new clients are told about; None: the issuer's (`api.discovery.token_endpoint`).
    "TOKEN_URL": None,
    # Secrets the at-rest encryption keys are derived from; the first encrypts, all decrypt.
    # None: SECRET_KEY, then SECRET_KEY_FALLBACKS (so Django's key rotation carries over).
    "ENCRYPTION_KEYS": None,
    # Seconds a replay of an `Idempotency-Key` returns the first answer (kept encrypted); 0: never kept.
    "IDEMPOTENCY_TTL": 600,
    # The Django cache alias holding idempotent replays.
    "CACHE_ALIAS": "default",
    # Seconds after which a row still `pending` counts as left behind by a crash.
    "PENDING_GRACE": 300,
    # Labels longer than this are refused before the provider is asked.
    "MAX_LABEL_LENGTH": 100,
    # Distinct scopes one client may ask for; more are refused before the provider is asked.
    "MAX_SCOPES": 50,
}

DEFAULT_PROVIDERS = {"default": {"BACKEND": "registration.providers.okta.OktaProvider", "OPTIONS": {}}}


class RegistrationSettings:
    """Attribute access to `settings.REGISTRATION` over `DEFAULTS`; never frozen at import time."""

    def __init__(self, defaults: dict):
        self.defaults = defaults
        self._cached: dict = {}

    def __getattr__(self, name: str):
        if name not in self.defaults:
            raise AttributeError(f"Invalid REGISTRATION setting: {name!r}")
        cached = self.__dict__["_cached"]
        if name not in cached:
            cached[name] = getattr(settings, "REGISTRATION", {}).get(name, self.defaults[name])
        return cached[name]

    @property
    def token_url(self) -> str:
        if self.TOKEN_URL:
            return self.TOKEN_URL
        from api.discovery import token_endpoint

        return token_endpoint()

    def reload(self) -> None:
        self._cached.clear()


registration_settings = RegistrationSettings(DEFAULTS)


def provider_configs() -> dict:
    """`settings.REGISTRATION_PROVIDERS`, shaped like `CACHES`: alias → {BACKEND, OPTIONS}."""
    return getattr(settings, "REGISTRATION_PROVIDERS", None) or DEFAULT_PROVIDERS


@receiver(setting_changed)
def reload_registration_settings(*, setting: str, **kwargs) -> None:
    if setting in ("REGISTRATION", "API_AUTH", "SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        registration_settings.reload()
        from .crypto import reset_cipher

        reset_cipher()
    if setting in ("REGISTRATION_PROVIDERS", "ORG_URL", "TOKEN"):
        from .providers import reset_providers

        reset_providers()
