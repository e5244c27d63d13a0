"""App configuration for the resource server."""

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Resource server"

    def ready(self) -> None:
        from . import (  # noqa: F401
            checks,  # registers the system checks
            conf,  # connects the setting_changed receiver
            schema,  # registers the OpenAPI extension of the authentication class
        )
