"""Provider backends, chosen by `settings.REGISTRATION_PROVIDERS` (shaped like `CACHES`).

```python
REGISTRATION_PROVIDERS = {
    "default": {"BACKEND": "registration.providers.okta.OktaProvider", "OPTIONS": {}},
    "dynamic": {"BACKEND": "registration.providers.dynamic.DynamicRegistrationProvider", "OPTIONS": {}},
}
```
Instances are memoised per alias and dropped when the setting (or ORG_URL/TOKEN) changes.
"""

import threading

from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from ..conf import provider_configs, registration_settings
from .base import ACTIVE, INACTIVE, BaseProvider, ClientRef, CreatedClient, ProviderClient, ProviderKey, ProviderSecret

__all__ = [
    "ACTIVE",
    "INACTIVE",
    "BaseProvider",
    "ClientRef",
    "CreatedClient",
    "ProviderClient",
    "ProviderKey",
    "ProviderSecret",
    "get_provider",
    "load_backend",
    "reset_providers",
]

_providers: dict[str, BaseProvider] = {}
_lock = threading.Lock()


def load_backend(path: str) -> type[BaseProvider]:
    """The backend class at `path`; `ImproperlyConfigured` unless it is a `BaseProvider`."""
    try:
        backend = import_string(path)
    except ImportError as exc:
        raise ImproperlyConfigured(f"Registration provider backend {path!r} cannot be imported: {exc}") from exc
    if not (isinstance(backend, type) and issubclass(backend, BaseProvider)):
        raise ImproperlyConfigured(f"Registration provider backend {path!r} is not a BaseProvider subclass.")
    return backend


def get_provider(alias: str | None = None) -> BaseProvider:
    """The configured provider for `alias` (default: `REGISTRATION["PROVIDER"]`)."""
    alias = alias or registration_settings.PROVIDER
    provider = _providers.get(alias)
    if provider is not None:
        return provider
    configs = provider_configs()
    if alias not in configs:
        raise ImproperlyConfigured(f"REGISTRATION_PROVIDERS has no provider {alias!r}.")
    config = configs[alias]
    if not isinstance(config, dict) or "BACKEND" not in config:
        raise ImproperlyConfigured(f"REGISTRATION_PROVIDERS[{alias!r}] needs a BACKEND.")
    with _lock:
        if alias not in _providers:
            _providers[alias] = load_backend(config["BACKEND"])(alias, dict(config.get("OPTIONS") or {}))
        return _providers[alias]


def reset_providers() -> None:
    with _lock:
        _providers.clear()


def reset_providers_on_change(*, setting: str, **kwargs) -> None:
    """`setting_changed` receiver: a provider is built from its config and the admin API's `ORG_URL` and `TOKEN`."""
    if setting in ("REGISTRATION_PROVIDERS", "ORG_URL", "TOKEN"):
        reset_providers()
