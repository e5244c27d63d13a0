"""Deployment-mode helpers for settings: the secret key, allowed hosts and the proxy header."""

from django.core.exceptions import ImproperlyConfigured

# Used only in development; production refuses it (and anything like it) at start-up.
DEVELOPMENT_SECRET_KEY = "django-insecure-ccproject-development-only-key-change-me"
ENVIRONMENTS = ("development", "production")
DEVELOPMENT_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
# Django's own floor for a strong key (django.core.checks.security.base W009).
MIN_SECRET_KEY_LENGTH = 50
MIN_SECRET_KEY_UNIQUE = 5
GENERATE_HINT = "generate one with: python -c 'import secrets; print(secrets.token_urlsafe(50))'"


def one_of(name: str, value: str, choices: tuple[str, ...]) -> str:
    """`value` of the setting `name` (any case, spaces ignored) if one of `choices`; else refuses to start."""
    normalized = value.strip().lower()
    if normalized not in choices:
        raise ImproperlyConfigured(f"{name} must be one of {', '.join(choices)}, not {normalized[:40]!r}.")
    return normalized


def django_env(value: str) -> str:
    """`DJANGO_ENV`, one of `development` and `production`."""
    return one_of("DJANGO_ENV", value, ENVIRONMENTS)


def secret_key(value: str, *, production: bool) -> str:
    """The `SECRET_KEY`: the development key when allowed, else a strong one from the environment."""
    if not production:
        return value or DEVELOPMENT_SECRET_KEY
    if not value:
        raise ImproperlyConfigured(f"SECRET_KEY must be set in production; {GENERATE_HINT}")
    if value == DEVELOPMENT_SECRET_KEY or value.startswith("django-insecure"):
        raise ImproperlyConfigured(f"SECRET_KEY is the development key; {GENERATE_HINT}")
    if len(value) < MIN_SECRET_KEY_LENGTH or len(set(value)) < MIN_SECRET_KEY_UNIQUE:
        raise ImproperlyConfigured(
            f"SECRET_KEY is too weak (at least {MIN_SECRET_KEY_LENGTH} characters, "
            f"{MIN_SECRET_KEY_UNIQUE} distinct); {GENERATE_HINT}"
        )
    return value


def allowed_hosts(value: list[str], *, production: bool) -> list[str]:
    """`ALLOWED_HOSTS`: loopback in development; production must name its hosts."""
    if value:
        return value
    if production:
        raise ImproperlyConfigured("ALLOWED_HOSTS must be set in production (e.g. ALLOWED_HOSTS=api.example.com).")
    return list(DEVELOPMENT_HOSTS)


def proxy_ssl_header(value: str) -> tuple[str, str] | None:
    """`SECURE_PROXY_SSL_HEADER` from `"X-Forwarded-Proto: https"` (also `=`), or `None` when empty.

    Set it only behind a proxy that always sets (or strips) the header: Django then trusts
    it to say the original request was https.
    """
    if not value.strip():
        return None
    for separator in (":", "="):
        name, found, expected = value.partition(separator)
        if found and name.strip() and expected.strip():
            meta = name.strip().upper().replace("-", "_")
            if not meta.startswith("HTTP_"):
                meta = "HTTP_" + meta
            return meta, expected.strip()
    raise ImproperlyConfigured(f"SECURE_PROXY_SSL_HEADER must look like 'X-Forwarded-Proto: https', not {value!r}.")
