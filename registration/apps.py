"""App configuration for client registration."""

from django.apps import AppConfig
from django.core.signals import setting_changed


class RegistrationConfig(AppConfig):
    name = "registration"
    verbose_name = "Client registration"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import checks  # noqa: F401  (registers the system checks)
        from .conf import registration_settings
        from .crypto import reset_cipher_on_change
        from .providers import reset_providers_on_change

        # Each memo is cleared by the receiver beside it, as `reset_hashers` sits beside `get_hashers`.
        setting_changed.connect(registration_settings.reload_on_change, dispatch_uid="registration.conf")
        setting_changed.connect(reset_cipher_on_change, dispatch_uid="registration.crypto")
        setting_changed.connect(reset_providers_on_change, dispatch_uid="registration.providers")
