"""App configuration for client registration."""

from django.apps import AppConfig


class RegistrationConfig(AppConfig):
    name = "registration"
    verbose_name = "Client registration"
    default_auto_field = "django.db.models.BigAutoField"
