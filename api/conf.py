"""The resource server's settings: `settings.API_AUTH`, with defaults, reloaded on `setting_changed`."""

from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver

DEFAULTS = {
    # The trusted issuer: the token's `iss` must equal it exactly; discovery starts here.
    "ISSUER": "http://127.0.0.1:8000/oauth2/default",
    # The `aud` value a token must carry.
    "AUDIENCE": "api://default",
    # Skip discovery and fetch the key set from here.
    "JWKS_URI": None,
    # The issuer's token endpoint, for clients (the CLI, Swagger UI's Authorize). Default:
    # Okta's layout, `{ISSUER}/v1/token`; set it for an issuer with another layout.
    "TOKEN_ENDPOINT": None,
    # Asymmetric algorithms only (RFC 8725 §3.1); HMAC and `none` are never accepted.
    "ALGORITHMS": ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"],
    # Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
    "LEEWAY": 60,
    # The Django cache alias that holds key sets, shared by every worker and host.
    "CACHE_ALIAS": "default",
    # How long a key set stays fresh when the response has no `Cache-Control: max-age`.
    "JWKS_TTL": 3600,
    # At most one refetch per issuer in this window for tokens with an unknown `kid`.
    "JWKS_REFRESH_COOLDOWN": 30,
    # (connect, read) timeouts for discovery and key-set requests, in seconds.
    "HTTP_TIMEOUT": (3.05, 5.0),
    # Responses larger than this are refused.
    "MAX_RESPONSE_BYTES": 1_000_000,
    # Longer tokens are rejected before any parsing.
    "MAX_TOKEN_BYTES": 8192,
    # The scope the hello endpoint requires.
    "HELLO_SCOPE": "hello:read",
    # The realm in `WWW-Authenticate` challenges (RFC 6750 §3).
    "REALM": "api",
}


class APISettings:
    """Attribute access to `settings.API_AUTH` over `DEFAULTS`; never frozen at import time."""

    def __init__(self, defaults: dict):
        self.defaults = defaults
        self._cached: dict = {}

    def __getattr__(self, name: str):
        if name not in self.defaults:
            raise AttributeError(f"Invalid API_AUTH setting: {name!r}")
        cached = self.__dict__["_cached"]
        if name not in cached:
            cached[name] = getattr(settings, "API_AUTH", {}).get(name, self.defaults[name])
        return cached[name]

    def reload(self) -> None:
        self._cached.clear()


api_settings = APISettings(DEFAULTS)


@receiver(setting_changed)
def reload_api_settings(*, setting: str, **kwargs) -> None:
    if setting in ("API_AUTH", "CACHES"):
        api_settings.reload()
        from .jwks import reset_key_sets

        reset_key_sets()
