"""The embedded server's settings: `settings.AUTHSERVER` over `DEFAULTS`, and its issuer URLs."""

from ccproject.app_settings import AppSettings
from ccproject.dpop import PROOF_ALGORITHMS

# Where TokenView leaves the issuer for the token generator, in the request's META.
ISSUER_META_KEY = "authserver.issuer"

DEFAULTS = {
    "BASE_URL": "",
    "AUDIENCE": "api://default",
    # The resources (RFC 8707 §2) a token request may name with `resource`; the token's `aud` is
    # then the resources named instead of AUDIENCE. Any other is `invalid_target`.
    "RESOURCES": [],
    "SCOPES": {"hello:read": "Call the hello endpoint"},
    "DEFAULT_SCOPES": ["hello:read"],
    # RFC 7662 §4: a client introspects its own tokens; another client's only when this scope is
    # among the scopes it is allowed (a resource server's client). Not in SCOPES: nobody may.
    "INTROSPECTION_SCOPE": "tokens:introspect",
    "SERVER_IDS": ["default"],
    "JWKS_MAX_AGE": 3600,
    # Secret-bearing endpoints (token, introspect, revoke, Apps API, registration) refuse
    # plain http unless the request comes from loopback; True allows it from anywhere.
    "ALLOW_INSECURE_HTTP": False,
    # The Apps API's page size when `limit` is absent, and its cap (Okta's is 200).
    "APPS_PAGE_SIZE": 20,
    "APPS_MAX_PAGE_SIZE": 200,
    # The org id inside Okta resource names (`orn:okta:idp:{ORG_ID}:apps:...`).
    "ORG_ID": "00oembedded000000000",
    # Signing keys: the algorithm of new keys (RS256 or ES256) and the RSA modulus size.
    "SIGNING_ALGORITHM": "RS256",
    "RSA_KEY_SIZE": 2048,
    # Seconds a rotated-out key stays published beyond the last expiry of a token it signed
    # (clock skew between this server and the resource servers).
    "KEY_RETIREMENT_LEEWAY": 300,
    # Seconds a rotated-in key is published before it signs. Resource servers refresh their key
    # set for an unknown kid only so often (api: JWKS_REFRESH_COOLDOWN, 30 s); publishing at least
    # that long ahead means none of them ever sees a kid it cannot fetch.
    "KEY_PREPUBLISH_SECONDS": 60,
    # Client authentication by assertion (RFC 7523 §2.2): the asymmetric algorithms an assertion
    # may be signed with (never `none` or HMAC), how far ahead its `exp` may lie (Okta's limit,
    # one hour), and the clock skew allowed for `exp`, `iat` and `nbf`.
    "CLIENT_ASSERTION_ALGORITHMS": [
        "RS256",
        "RS384",
        "RS512",
        "PS256",
        "PS384",
        "PS512",
        "ES256",
        "ES384",
        "ES512",
        "EdDSA",
    ],
    "CLIENT_ASSERTION_MAX_LIFETIME": 3600,
    "CLIENT_ASSERTION_LEEWAY": 60,
    # A client's `jwks_uri` key set: seconds it is kept before it is fetched again, and at most
    # how often an assertion with an unknown `kid` may cause a fetch.
    "CLIENT_JWKS_TTL": 300,
    "CLIENT_JWKS_REFRESH_COOLDOWN": 30,
    # Bounds of that fetch: (connect, read) seconds (the whole exchange gets their sum), the
    # largest document, and how many of its keys are looked at.
    "CLIENT_JWKS_HTTP_TIMEOUT": (2.0, 3.0),
    "CLIENT_JWKS_MAX_BYTES": 64 * 1024,
    "CLIENT_JWKS_MAX_KEYS": 50,
    # DPoP (RFC 9449): the algorithms a token request's proof may use (also the metadata's
    # `dpop_signing_alg_values_supported`), how long after its `iat` a proof is accepted (with
    # DPOP_LEEWAY of clock skew; its `jti` is remembered that long in the default cache), and
    # whether the issuer asks for its own nonce (`400 use_dpop_nonce`, as Okta does), rotated every
    # DPOP_NONCE_LIFETIME seconds.
    "DPOP_ALGORITHMS": list(PROOF_ALGORITHMS),
    "DPOP_MAX_AGE": 60,
    "DPOP_LEEWAY": 5,
    "DPOP_NONCE": False,
    "DPOP_NONCE_LIFETIME": 300,
}


authserver_settings = AppSettings("AUTHSERVER", DEFAULTS)


def issuer_for(base_url: str, server_id: str = "default") -> str:
    """Okta's layout: a custom authorization server's issuer is `{base}/oauth2/{id}`."""
    base = authserver_settings.BASE_URL.rstrip("/") or base_url.rstrip("/")
    return f"{base}/oauth2/{server_id}"


def issuer_from_request(request, server_id: str) -> str:
    """The issuer for a Django request to one of the server's endpoints."""
    return issuer_for(request.build_absolute_uri("/"), server_id)


def base_url_from_request(request) -> str:
    """The server's public base URL (`{base}` of Okta's `{base}/api/v1/...`), without a trailing slash."""
    return (authserver_settings.BASE_URL or request.build_absolute_uri("/")).rstrip("/")
