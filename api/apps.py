"""App configuration for the resource server."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Resource server"

    def ready(self) -> None:
        from . import checks, conf  # noqa: F401  (registers the checks, connects the setting_changed receiver)
