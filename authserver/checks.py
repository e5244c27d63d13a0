"""System checks for the embedded authorization server's configuration."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from oauth2_provider.dcr import AllowAllDCRPermission
from oauth2_provider.oauth2_validators import is_valid_resource_uri
from oauth2_provider.settings import oauth2_settings

from ccproject.replay import unshared_reason

from .client_assertions import replay_store
from .conf import authserver_settings
from .credentials import ALGORITHM_FAMILIES
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


@register(Tags.security)
def check_client_assertions(app_configs=None, **kwargs) -> list:
    """`private_key_jwt` (RFC 7523): asymmetric algorithms only, sane bounds, a cluster-wide replay cache."""
    problems = []
    algorithms = authserver_settings.CLIENT_ASSERTION_ALGORITHMS
    if not algorithms or not isinstance(algorithms, list | tuple) or set(algorithms) - set(ALGORITHM_FAMILIES):
        problems.append(
            Error(
                "AUTHSERVER['CLIENT_ASSERTION_ALGORITHMS'] must list asymmetric JWS algorithms only.",
                hint=f"Choose among {', '.join(ALGORITHM_FAMILIES)}; never none or HMAC (HS256 ...).",
                id="authserver.E010",
            )
        )
    lifetime, leeway = authserver_settings.CLIENT_ASSERTION_MAX_LIFETIME, authserver_settings.CLIENT_ASSERTION_LEEWAY
    if not _positive(lifetime) or not _positive(leeway, allow_zero=True):
        problems.append(
            Error(
                "AUTHSERVER['CLIENT_ASSERTION_MAX_LIFETIME'] must be a positive number of seconds and "
                "CLIENT_ASSERTION_LEEWAY zero or more.",
                hint="Okta allows assertions up to 3600 s ahead; clients make them for about 60 s.",
                id="authserver.E011",
            )
        )
    timeout = authserver_settings.CLIENT_JWKS_HTTP_TIMEOUT
    bounds = (authserver_settings.CLIENT_JWKS_MAX_BYTES, authserver_settings.CLIENT_JWKS_TTL)
    if (
        not isinstance(timeout, list | tuple)
        or len(timeout) != 2
        or not all(_positive(part) for part in timeout)
        or not all(_positive(bound) for bound in bounds)
    ):
        problems.append(
            Error(
                "AUTHSERVER['CLIENT_JWKS_HTTP_TIMEOUT'] must be (connect, read) seconds and CLIENT_JWKS_MAX_BYTES "
                "and CLIENT_JWKS_TTL positive: a client's jwks_uri is fetched with these bounds.",
                hint="The defaults are (2.0, 3.0) s, 64 KiB and 300 s.",
                id="authserver.E012",
            )
        )
    reason = unshared_reason(replay_store.alias)
    if reason:
        problems.append(
            Warning(
                f"The cache {replay_store.alias!r} that remembers client assertion jtis {reason}.",
                hint="A shared cache (Redis, or the database cache) accepts an assertion once in the whole cluster.",
                id="authserver.W010",
            )
        )
    return problems


def _positive(value, *, allow_zero: bool = False) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return value >= 0 if allow_zero else value > 0
