"""Registration settings: `settings.REGISTRATION` over `DEFAULTS`, and the providers' config."""

from django.conf import settings

from api.discovery import token_endpoint
from ccproject.app_settings import AppSettings

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
    # Days an audit event is kept by `manage.py prune_audit_events` (without --older-than).
    "AUDIT_RETENTION_DAYS": 365,
}

DEFAULT_PROVIDERS = {"default": {"BACKEND": "registration.providers.okta.OktaProvider", "OPTIONS": {}}}


registration_settings = AppSettings("REGISTRATION", DEFAULTS)


def token_url() -> str:
    """The token endpoint new clients are told about: `TOKEN_URL`, else the project's (`api.discovery`)."""
    return registration_settings.TOKEN_URL or token_endpoint()


def provider_configs() -> dict:
    """`settings.REGISTRATION_PROVIDERS`, shaped like `CACHES`: alias → {BACKEND, OPTIONS}."""
    return getattr(settings, "REGISTRATION_PROVIDERS", None) or DEFAULT_PROVIDERS
