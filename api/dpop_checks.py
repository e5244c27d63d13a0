"""System checks of the resource server's DPoP settings (RFC 9449, `manage.py check`): api.E030... and api.W030..."""

import ipaddress

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from ccproject.dpop import PROOF_ALGORITHMS
from ccproject.replay import unshared_reason

from .conf import api_settings
from .dpop import DISABLED, POLICIES


@register(Tags.security)
def check_dpop_settings(app_configs=None, **kwargs) -> list:
    """DPoP (RFC 9449): a known policy, usable proof algorithms, a shared replay cache, mTLS settings that fit."""
    errors = []
    if api_settings.DPOP not in POLICIES:
        errors.append(
            Error(
                f"API_AUTH['DPOP'] is {api_settings.DPOP!r}.",
                hint=f"Use one of {', '.join(POLICIES)} (API_DPOP in the environment).",
                id="api.E030",
            )
        )
    algorithms = api_settings.DPOP_ALGORITHMS
    if not isinstance(algorithms, list | tuple) or not algorithms or not set(algorithms) <= set(PROOF_ALGORITHMS):
        errors.append(
            Error(
                "API_AUTH['DPOP_ALGORITHMS'] must be a non-empty list of asymmetric algorithms.",
                hint=f"Choose from {', '.join(PROOF_ALGORITHMS)}.",
                id="api.E031",
            )
        )
    reason = unshared_reason(api_settings.CACHE_ALIAS) if api_settings.CACHE_ALIAS in settings.CACHES else None
    if reason and api_settings.DPOP != DISABLED:
        errors.append(
            Warning(
                f"The cache {api_settings.CACHE_ALIAS!r} {reason}: a DPoP proof could be replayed.",
                hint="Point CACHE_URL at Redis (or the database cache), or set API_DPOP=disabled.",
                id="api.W030",
            )
        )
    header, proxies = api_settings.MTLS_CERTIFICATE_HEADER, api_settings.MTLS_TRUSTED_PROXIES
    if header and not proxies:
        errors.append(
            Error(
                "API_AUTH['MTLS_CERTIFICATE_HEADER'] is set but no proxy is trusted to send it.",
                hint="List the TLS-terminating proxies' addresses in MTLS_TRUSTED_PROXIES.",
                id="api.E032",
            )
        )
    for network in proxies or ():
        try:
            ipaddress.ip_network(network, strict=False)
        except (TypeError, ValueError):
            errors.append(
                Error(
                    f"API_AUTH['MTLS_TRUSTED_PROXIES'] holds {network!r}, which is no address or network.",
                    hint="Use addresses or CIDR networks, e.g. 10.0.0.5 or 10.0.0.0/24.",
                    id="api.E033",
                )
            )
    return errors
