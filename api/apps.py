"""App configuration for the resource server."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Resource server"

    def ready(self) -> None:
        from . import (
            conf,  # noqa: F401  (connects the setting_changed receiver)
            schema,  # noqa: F401  (registers the OpenAPI extension of the authentication class)
        )
