"""The embedded server's settings (`settings.AUTHSERVER`), read on every use so overrides apply."""

from django.conf import settings

# Where TokenView leaves the issuer for the token generator, in the request's META.
ISSUER_META_KEY = "authserver.issuer"

DEFAULTS = {
    "BASE_URL": "",
    "AUDIENCE": "api://default",
    "SCOPES": {"hello:read": "Call the hello endpoint"},
    "DEFAULT_SCOPES": ["hello:read"],
    "SERVER_IDS": ["default"],
    "JWKS_MAX_AGE": 3600,
}


def authserver_setting(name: str):
    return getattr(settings, "AUTHSERVER", {}).get(name, DEFAULTS[name])


def issuer_for(base_url: str, server_id: str = "default") -> str:
    """Okta's layout: a custom authorization server's issuer is `{base}/oauth2/{id}`."""
    base = authserver_setting("BASE_URL").rstrip("/") or base_url.rstrip("/")
    return f"{base}/oauth2/{server_id}"


def issuer_from_request(request, server_id: str) -> str:
    """The issuer for a Django request to one of the server's endpoints."""
    return issuer_for(request.build_absolute_uri("/"), server_id)
