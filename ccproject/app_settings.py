"""Namespaced settings objects: one dict-valued Django setting over an app's defaults, reloaded on change."""

from collections.abc import Mapping
from typing import Any

from django.conf import settings


class AppSettings:
    """Attribute access to `settings.<setting_name>` over `defaults`; nothing is read at import time.

    A value is resolved on its first read and then lives in the instance `__dict__`, so the
    request path reads it as a plain attribute. `reload()` forgets what was read; connect
    `reload_on_change` to `setting_changed` (in the app's `ready()`) so `override_settings`
    reaches it. An unknown name raises `AttributeError`.
    """

    def __init__(self, setting_name: str, defaults: Mapping[str, Any]):
        self.setting_name = setting_name
        self.defaults = defaults
        self._read: set[str] = set()

    def __getattr__(self, name: str) -> Any:
        # Called only until a setting is first read: `reload` removes the instance attribute again.
        if name not in self.defaults:
            raise AttributeError(f"Invalid {self.setting_name} setting: {name!r}")
        value = self.user_settings.get(name, self.defaults[name])
        self._read.add(name)
        self.__dict__[name] = value
        return value

    @property
    def user_settings(self) -> Mapping[str, Any]:
        value = getattr(settings, self.setting_name, None)
        return value if isinstance(value, Mapping) else {}

    def reload(self) -> None:
        for name in self._read:
            self.__dict__.pop(name, None)
        self._read.clear()

    def reload_on_change(self, *, setting: str, **kwargs) -> None:
        """The `setting_changed` receiver: reload when `settings.<setting_name>` changed."""
        if setting == self.setting_name:
            self.reload()
