"""Registration's errors as command failures: one table from domain error to exit status, for every command.

The machine-readable `error` is the one the HTTP API answers (`registration.api_errors`), so a
script sees the same code from `register_client --json` as from `POST /register/`. The exit status
follows `ccproject.commands`: the provider refused the request → 1, a setting is missing or
wrong (our credentials at the provider, the provider alias, the encryption keys) → 3, the provider
is unreachable, slow, failing or rate-limited → 4.
"""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ImproperlyConfigured

from ccproject.commands import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_UNAVAILABLE,
    EXIT_USAGE,
    CommandFailed,
    ConfigurationError,
)

from ..api_errors import to_api_exception
from ..conf import provider_configs
from ..crypto import DecryptionError
from ..exceptions import RegistrationError

# The API's error code → (exit status, what to do; None when the message already says it).
EXIT_STATUS: dict[str, tuple[int, str | None]] = {
    "invalid_request": (EXIT_USAGE, None),
    "invalid_client_metadata": (EXIT_FAILED, None),
    "not_found_at_provider": (EXIT_FAILED, None),
    "unsupported_operation": (EXIT_FAILED, None),
    "invalid_state": (EXIT_FAILED, None),
    # The provider refused this service's own API token: the message names TOKEN.
    "provider_credentials_rejected": (EXIT_CONFIG, None),
    "provider_error": (EXIT_UNAVAILABLE, "retry later; if it persists, check ORG_URL (or REGISTRATION_ENDPOINT)"),
    "provider_timeout": (EXIT_UNAVAILABLE, "retry later; if it persists, check ORG_URL (or REGISTRATION_ENDPOINT)"),
    "temporarily_unavailable": (EXIT_UNAVAILABLE, "retry later"),
}


def command_error(exc: RegistrationError | ImproperlyConfigured) -> CommandFailed:
    """The `CommandFailed` (with its exit status) for a registration error."""
    if isinstance(exc, ImproperlyConfigured):
        # The provider table or the encryption keys; the message names the setting.
        return CommandFailed(str(exc), error="configuration_error", returncode=EXIT_CONFIG)
    if isinstance(exc, DecryptionError):
        return ConfigurationError(exc.message.rstrip("?"), setting="REGISTRATION_ENCRYPTION_KEYS")
    code = to_api_exception(exc).get_codes()
    returncode, hint = EXIT_STATUS.get(code, (EXIT_FAILED, None))
    message = f"{exc.message.rstrip('.')}; {hint}." if hint else exc.message
    return CommandFailed(message, error=code, returncode=returncode)


@contextmanager
def registration_errors() -> Iterator[None]:
    """Raise registration's domain errors (and a misconfigured provider) as command failures."""
    try:
        yield
    except (RegistrationError, ImproperlyConfigured) as exc:
        raise command_error(exc) from exc


def check_provider(alias: str | None) -> None:
    """`--provider ALIAS` must name a provider of REGISTRATION_PROVIDERS (a usage error otherwise)."""
    if alias is not None and alias not in provider_configs():
        raise CommandFailed(
            f"--provider {alias!r} is not in REGISTRATION_PROVIDERS (known: {', '.join(sorted(provider_configs()))}).",
            error="invalid_request",
            returncode=EXIT_USAGE,
        )
