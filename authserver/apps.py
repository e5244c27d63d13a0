"""App configuration for the embedded authorization server."""

from django.apps import AppConfig
from django.core.signals import setting_changed


class AuthserverConfig(AppConfig):
    name = "authserver"
    verbose_name = "Embedded authorization server"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .conf import authserver_settings

        setting_changed.connect(authserver_settings.reload_on_change, dispatch_uid="authserver.conf")
        # The admin has autodiscovered by now (django.contrib.admin is listed before this app).
        from .admin import hide_unused_toolkit_models

        hide_unused_toolkit_models()
