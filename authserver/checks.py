"""System checks for the embedded authorization server's configuration."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from oauth2_provider.dcr import AllowAllDCRPermission
from oauth2_provider.oauth2_validators import is_valid_resource_uri
from oauth2_provider.settings import oauth2_settings

from .conf import authserver_settings
from .keys import ALGORITHMS


@register(Tags.security)
def check_authserver(app_configs=None, **kwargs) -> list:
    problems = []
    if authserver_settings.SIGNING_ALGORITHM not in ALGORITHMS:
        problems.append(
            Error(
                f"AUTHSERVER['SIGNING_ALGORITHM'] must be one of {', '.join(ALGORITHMS)}.",
                hint="Asymmetric algorithms only: resource servers verify with the published public key.",
                id="authserver.E001",
            )
        )
    if oauth2_settings.DCR_ENABLED and any(
        isinstance(cls, type) and issubclass(cls, AllowAllDCRPermission)
        for cls in oauth2_settings.DCR_REGISTRATION_PERMISSION_CLASSES
    ):
        problems.append(
            Error(
                "Dynamic client registration is open to anyone (AllowAllDCRPermission).",
                hint="Use authserver.dcr.permissions.InitialAccessTokenPermission, or set DCR_ENABLED to False.",
                id="authserver.E002",
            )
        )
    bad = [uri for uri in authserver_settings.RESOURCES if not is_valid_resource_uri(uri)]
    if bad:
        problems.append(
            Error(
                f"AUTHSERVER['RESOURCES'] holds what is not a resource indicator: {', '.join(map(repr, bad))}.",
                hint="Absolute URIs without a fragment or userinfo (RFC 8707 §2), e.g. https://api.example.com.",
                id="authserver.E003",
            )
        )
    if authserver_settings.ALLOW_INSECURE_HTTP and not settings.DEBUG:
        problems.append(
            Warning(
                "AUTHSERVER['ALLOW_INSECURE_HTTP'] lets client secrets and tokens travel over plain http.",
                hint="Serve the embedded server over HTTPS (SECURE_PROXY_SSL_HEADER behind a proxy).",
                id="authserver.W001",
            )
        )
    return problems
