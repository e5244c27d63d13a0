"""System checks of the resource server's settings (`manage.py check`): ids api.E001... and api.W001...

DPoP's are in `dpop_checks` (api.E030... and api.W030...).
"""

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register
from oauth2_provider.oauth2_validators import is_valid_resource_uri

from .conf import DEFAULTS, ISSUER_OPTIONS, SUPPORTED_ALGORITHMS, api_settings
from .profiles import PROFILES
from .remote import is_secure_url

# Above this many seconds between two looks at the shared key set, a pulled key lingers too long.
MAX_RECHECK_INTERVAL = 60
LOCAL_CACHES = ("django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache")


def _issuers() -> dict[str, dict]:
    configured = api_settings.ISSUERS
    if isinstance(configured, Mapping) and configured:
        return {issuer: options if isinstance(options, Mapping) else {} for issuer, options in configured.items()}
    if api_settings.ISSUER:
        return {api_settings.ISSUER: {"JWKS_URI": api_settings.JWKS_URI}}
    return {}


def _check_url(url, what: str, *, malformed_id: str, insecure_id: str) -> list:
    if not isinstance(url, str) or not urlsplit(url).netloc or urlsplit(url).scheme not in ("http", "https"):
        return [
            Error(f"{what} {url!r} is not an absolute http(s) URL.", hint="Use https://host/path.", id=malformed_id)
        ]
    if not is_secure_url(url):
        return [
            Error(
                f"{what} {url} uses plain http: keys fetched in clear text can be swapped by anyone on the path.",
                hint="Use https (plain http is allowed for loopback hosts and with DEBUG=True only).",
                id=insecure_id,
            )
        ]
    return []


def _check_issuer(issuer, options: Mapping) -> list:
    errors = _check_url(issuer, "The issuer", malformed_id="api.E002", insecure_id="api.E017")
    unknown = sorted(set(options) - set(ISSUER_OPTIONS))
    if unknown:
        errors.append(
            Error(
                f"ISSUERS[{issuer!r}] has unknown options: {', '.join(unknown)}.",
                hint=f"An issuer's options are {', '.join(ISSUER_OPTIONS)}.",
                id="api.E009",
            )
        )
    audience = options.get("AUDIENCE", api_settings.AUDIENCE)
    audiences = [audience] if isinstance(audience, str) else audience
    if not audiences or not isinstance(audiences, list | tuple) or not all(isinstance(a, str) and a for a in audiences):
        errors.append(
            Error(
                f"No audience for the issuer {issuer}: every token would be accepted or none.",
                hint="Set AUDIENCE (API_AUTH['AUDIENCE'], or the issuer's AUDIENCE in ISSUERS), e.g. api://default.",
                id="api.E003",
            )
        )
    algorithms = options.get("ALGORITHMS", api_settings.ALGORITHMS)
    bad = [alg for alg in algorithms or () if alg not in SUPPORTED_ALGORITHMS]
    if not algorithms or bad:
        errors.append(
            Error(
                f"ALGORITHMS for {issuer} must be a non-empty list of asymmetric algorithms"
                + (f"; never accepted: {', '.join(map(str, bad))}." if bad else "."),
                hint=f"Choose from {', '.join(SUPPORTED_ALGORITHMS)} (RFC 8725 §3.1: no 'none', no HMAC).",
                id="api.E004",
            )
        )
    jwks_uri = options.get("JWKS_URI")
    if jwks_uri:
        errors += _check_url(jwks_uri, "The JWKS_URI", malformed_id="api.E005", insecure_id="api.E018")
    return errors + _check_profile(issuer, options)


def _check_profile(issuer, options: Mapping) -> list:
    """What each issuer profile needs (api.E020-E029, api.W020-W029)."""
    name = options.get("PROFILE", api_settings.PROFILE)
    if name not in PROFILES:
        return [
            Error(
                f"Unknown issuer profile {name!r} for {issuer}.",
                hint=f"ISSUER_PROFILE (or the issuer's PROFILE) is one of {', '.join(PROFILES)}.",
                id="api.E020",
            )
        ]
    profile, errors = PROFILES[name], []
    allowed = options.get("ALLOWED_CLIENT_IDS", api_settings.ALLOWED_CLIENT_IDS)
    if allowed is not None and (
        not isinstance(allowed, list | tuple | set | frozenset) or not all(isinstance(c, str) and c for c in allowed)
    ):
        errors.append(
            Error(
                f"ALLOWED_CLIENT_IDS for {issuer} must be a list of client ids.",
                hint="ALLOWED_CLIENT_IDS=id1,id2 in .env, or a list in API_AUTH.",
                id="api.E021",
            )
        )
    elif profile.needs_allowed_clients and not allowed:
        errors.append(
            Error(
                f"The {name} profile needs ALLOWED_CLIENT_IDS for {issuer}: its access tokens carry no audience, "
                "so the client list is what binds a token to this API; until it is set, every token is refused.",
                hint="Set ALLOWED_CLIENT_IDS to the app client ids that may call this API.",
                id="api.E022",
            )
        )
    path = urlsplit(issuer).path if isinstance(issuer, str) else ""
    if name == "auth0" and isinstance(issuer, str) and not issuer.endswith("/"):
        errors.append(
            Error(
                f"Auth0 issues tokens with `iss` ending in a slash; {issuer} matches none of them.",
                hint=f"Set ISSUER to {issuer}/ (the issuer is compared exactly).",
                id="api.E023",
            )
        )
    if name == "keycloak" and not re.fullmatch(r"(/[^/]+)*/realms/[^/]+", path):
        errors.append(
            Warning(
                f"{issuer} is not a Keycloak realm issuer ({{base}}/realms/{{realm}}).",
                hint="Copy the issuer from the realm's OpenID Endpoint Configuration.",
                id="api.W020",
            )
        )
    # Entra ID's issuers, exactly: v1.0 `https://sts.windows.net/{tenant}/` (with its slash),
    # v2.0 `https://login.microsoftonline.com/{tenant}/v2.0` (without).
    if name == "entra" and not re.fullmatch(r"/[^/]+/|/[^/]+/v2\.0", path):
        errors.append(
            Warning(
                f"{issuer} is neither an Entra ID v2.0 issuer (https://login.microsoftonline.com/{{tenant}}/v2.0) "
                "nor a v1.0 one (https://sts.windows.net/{tenant}/).",
                hint="Use the `issuer` of the tenant's metadata for the token version the API receives.",
                id="api.W021",
            )
        )
    if not profile.roles_client and options.get("RESOURCE_ACCESS_CLIENT", api_settings.RESOURCE_ACCESS_CLIENT):
        errors.append(
            Warning(
                f"RESOURCE_ACCESS_CLIENT has no effect on {issuer}: only the keycloak profile reads resource_access.",
                hint="Set ISSUER_PROFILE=keycloak, or remove RESOURCE_ACCESS_CLIENT.",
                id="api.W022",
            )
        )
    return errors


def _check_numbers() -> list:
    errors = []
    positive = ("JWKS_TTL", "JWKS_MIN_TTL", "JWKS_MAX_TTL", "JWKS_REFRESH_COOLDOWN", "JWKS_MAX_STALENESS")
    positive += ("JWKS_RECHECK_INTERVAL", "DISCOVERY_TTL", "MAX_RESPONSE_BYTES", "MAX_TOKEN_BYTES", "MIN_RSA_BITS")
    for name in positive:
        value = getattr(api_settings, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
            errors.append(
                Error(
                    f"API_AUTH['{name}'] must be a positive number.",
                    hint=f"The default is {DEFAULTS[name]}.",
                    id="api.E006",
                )
            )
    for name in ("LEEWAY", "JWKS_COLD_START_WAIT"):
        value = getattr(api_settings, name)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            errors.append(
                Error(
                    f"API_AUTH['{name}'] must be a number >= 0.",
                    hint=f"The default is {DEFAULTS[name]}.",
                    id="api.E011",
                )
            )
    if not errors and api_settings.JWKS_MIN_TTL > api_settings.JWKS_MAX_TTL:
        errors.append(Error("API_AUTH['JWKS_MIN_TTL'] exceeds JWKS_MAX_TTL.", hint="Swap them.", id="api.E012"))
    if not errors and api_settings.MIN_RSA_BITS < 2048:
        errors.append(
            Error(
                "API_AUTH['MIN_RSA_BITS'] is below 2048.",
                hint="RSA keys under 2048 bits are breakable (NIST SP 800-131A).",
                id="api.E013",
            )
        )
    timeout = api_settings.HTTP_TIMEOUT
    parts = timeout if isinstance(timeout, list | tuple) else (timeout,)
    if (
        not parts
        or len(parts) > 2
        or not all(isinstance(p, int | float) and not isinstance(p, bool) and p > 0 for p in parts)
    ):
        errors.append(
            Error(
                "API_AUTH['HTTP_TIMEOUT'] must be a positive number or a (connect, read) pair.",
                hint="The default is (3.05, 5.0); never None.",
                id="api.E014",
            )
        )
    recheck = api_settings.JWKS_RECHECK_INTERVAL
    if not errors and recheck > MAX_RECHECK_INTERVAL:
        errors.append(
            Warning(
                f"API_AUTH['JWKS_RECHECK_INTERVAL'] is {recheck} s: a refreshed key set (a compromised key "
                "pulled) reaches the workers only that long after.",
                hint=f"Keep it at {MAX_RECHECK_INTERVAL} s or less; it costs one cache read per worker per interval.",
                id="api.W003",
            )
        )
    if isinstance(api_settings.LEEWAY, int | float) and api_settings.LEEWAY > 300:
        errors.append(
            Warning(
                f"API_AUTH['LEEWAY'] is {api_settings.LEEWAY} s: expired tokens stay accepted that long.",
                hint="Keep the clock skew allowance at a minute or two.",
                id="api.W002",
            )
        )
    return errors


def _check_resource(resource) -> list:
    # RFC 8707 §2: absolute, no fragment (django-oauth-toolkit's rule, which also refuses userinfo).
    if is_valid_resource_uri(resource) and urlsplit(resource).scheme in ("http", "https"):
        return []
    return [
        Error(
            f"API_AUTH['RESOURCE'] {resource!r} is not an absolute http(s) URL without fragment or userinfo.",
            hint="Set RESOURCE (or API_URL) in the environment to the API's public base URL, "
            "e.g. https://api.example.com.",
            id="api.E010",
        )
    ]


@register(Tags.security, Tags.compatibility)
def check_api_settings(app_configs=None, **kwargs) -> list:
    """Report missing, insecure or inconsistent resource-server settings."""
    user = getattr(settings, "API_AUTH", {})
    if not isinstance(user, Mapping):
        return [Error("settings.API_AUTH must be a dict.", hint="See api/conf.py for its keys.", id="api.E015")]
    errors = []
    unknown = sorted(set(user) - set(DEFAULTS))
    if unknown:
        errors.append(
            Error(
                f"API_AUTH has unknown settings: {', '.join(unknown)}.",
                hint="Check the spelling against api/conf.py.",
                id="api.E008",
            )
        )
    if not isinstance(api_settings.ISSUERS, Mapping):
        errors.append(
            Error(
                "API_AUTH['ISSUERS'] must map each issuer to a dict of options.",
                hint='{"https://idp/oauth2/default": {"AUDIENCE": "api://default"}}',
                id="api.E016",
            )
        )
    issuers = _issuers()
    if not issuers:
        errors.append(
            Error(
                "No trusted issuer: every token would be rejected.",
                hint="Set ISSUER in the environment or .env (or API_AUTH['ISSUERS']).",
                id="api.E001",
            )
        )
    for issuer, options in issuers.items():
        errors += _check_issuer(issuer, options)
    errors += _check_numbers()
    errors += _check_resource(api_settings.RESOURCE)
    alias = api_settings.CACHE_ALIAS
    if alias not in settings.CACHES:
        errors.append(
            Error(
                f"API_AUTH['CACHE_ALIAS'] names the unknown cache {alias!r}.",
                hint=f"Choose one of {', '.join(settings.CACHES)}.",
                id="api.E007",
            )
        )
    elif settings.CACHES[alias].get("BACKEND") in LOCAL_CACHES:
        errors.append(
            Warning(
                f"The cache {alias!r} is not shared between processes: every worker fetches the key sets itself.",
                hint="Point CACHE_URL at Redis (or the database cache) so workers share one copy.",
                id="api.W001",
            )
        )
    return errors


@register(Tags.security)
def check_metrics_settings(app_configs=None, **kwargs) -> list:
    """`METRICS_ALLOWED_IPS`: addresses or networks only (an entry that is none allows nothing)."""
    from ccproject.metrics_view import invalid_entries

    return [
        Error(
            f"METRICS_ALLOWED_IPS holds {entry!r}, which is no address or network.",
            hint="Use addresses or CIDR networks, comma-separated, e.g. 10.0.0.5,10.1.0.0/16.",
            id="api.E040",
        )
        for entry in invalid_entries(getattr(settings, "METRICS_ALLOWED_IPS", []))
    ]
