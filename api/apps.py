"""App configuration for the resource server."""

from django.apps import AppConfig
from django.core.signals import setting_changed


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "Resource server"

    def ready(self) -> None:
        from . import (  # noqa: F401
            checks,  # registers the system checks
            dpop_checks,  # registers DPoP's system checks
            schema,  # registers the OpenAPI extension of the authentication class
        )
        from .conf import api_settings
        from .dpop import reset_dpop_on_change
        from .issuers import reset_trusted_issuers_on_change
        from .jwks import reset_key_sets_on_change
        from .token_cache import reset_token_cache_on_change

        # Each memo is cleared by the receiver beside it, as `reset_hashers` sits beside `get_hashers`.
        setting_changed.connect(api_settings.reload_on_change, dispatch_uid="api.conf")
        setting_changed.connect(reset_trusted_issuers_on_change, dispatch_uid="api.issuers")
        setting_changed.connect(reset_key_sets_on_change, dispatch_uid="api.jwks")
        setting_changed.connect(reset_token_cache_on_change, dispatch_uid="api.token_cache")
        setting_changed.connect(reset_dpop_on_change, dispatch_uid="api.dpop")
