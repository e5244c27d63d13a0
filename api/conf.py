"""The resource server's settings: `settings.API_AUTH` over `DEFAULTS` (`api_settings`)."""

from ccproject.app_settings import AppSettings
from ccproject.dpop import PROOF_ALGORITHMS

# Every asymmetric JWS algorithm this validator implements (RFC 7518 §3, RFC 8037 §3.1).
SUPPORTED_ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")

DEFAULTS = {
    # The trusted issuer: the token's `iss` must equal it exactly; discovery starts here.
    "ISSUER": "http://127.0.0.1:8000/oauth2/default",
    # The `aud` value a token must carry (a string, or a list of which the token needs one).
    "AUDIENCE": "api://default",
    # The API's resource identifier (RFC 8707 §2, RFC 9728 §2): its public base URL. A token
    # audienced to it is accepted as well as one for AUDIENCE; its metadata is published at
    # /.well-known/oauth-protected-resource (RFC 9728 §3.1). Never derived from a request.
    "RESOURCE": "http://127.0.0.1:8000",
    # The human-readable `resource_name` of the metadata, and its `resource_documentation`
    # (default: this API's Swagger UI under RESOURCE's origin).
    "RESOURCE_NAME": "ccproject API",
    "RESOURCE_DOCUMENTATION": None,
    # Skip discovery and fetch the key set of ISSUER from here.
    "JWKS_URI": None,
    # The issuer's token endpoint, for clients (the CLI, Swagger UI's Authorize, registration's
    # `request_token_url`). Default: the `token_endpoint` of the issuer's metadata (RFC 8414),
    # else Okta's layout, `{ISSUER}/v1/token` (`api.discovery.token_endpoint`).
    "TOKEN_ENDPOINT": None,
    # Several trusted issuers: {issuer: {"AUDIENCE", "ALGORITHMS", "JWKS_URI", "LEEWAY",
    # "MAX_TOKEN_AGE", "STRICT_RFC9068", "PROFILE", "ALLOWED_CLIENT_IDS", "RESOURCE_ACCESS_CLIENT"}};
    # options not given fall back to the settings here.
    # When empty, ISSUER is the one trusted issuer.
    "ISSUERS": {},
    # Asymmetric algorithms only (RFC 8725 §3.1); HMAC and `none` are never accepted whatever this says.
    "ALGORITHMS": list(SUPPORTED_ALGORITHMS),
    # Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds.
    "LEEWAY": 60,
    # Reject tokens issued (`iat`) longer ago than this many seconds; None: no limit.
    "MAX_TOKEN_AGE": None,
    # RFC 9068 strict mode: `typ` must be `at+jwt` and the profile's claims must all be present.
    "STRICT_RFC9068": False,
    # How the issuer shapes its access tokens (api/profiles.py): standard, okta, auth0, keycloak,
    # cognito, entra or rfc9068. `standard` takes Okta's, RFC 9068's and `azp` claims as today.
    "PROFILE": "standard",
    # Only these clients are accepted (a list of client ids); None: any client of a trusted issuer.
    # Required by the `cognito` profile, whose access tokens carry no audience.
    "ALLOWED_CLIENT_IDS": None,
    # `keycloak` profile: the client whose roles in `resource_access` count as scopes; None: none.
    "RESOURCE_ACCESS_CLIENT": None,
    # The Django cache alias that holds key sets, shared by every worker and host.
    "CACHE_ALIAS": "default",
    # How long a key set stays fresh when the response has no `Cache-Control: max-age`.
    "JWKS_TTL": 3600,
    # Bounds that the response's `max-age` is clamped to.
    "JWKS_MIN_TTL": 300,
    "JWKS_MAX_TTL": 86400,
    # At most one key-set fetch per issuer in this window, cluster-wide; unknown `kid`s are remembered for it.
    "JWKS_REFRESH_COOLDOWN": 30,
    # While the issuer is unreachable, known keys keep serving for this long after their last fetch.
    "JWKS_MAX_STALENESS": 86400,
    # Each worker looks at the shared key set this often (one cache read per interval, never per
    # request), so a key set refreshed anywhere (a pulled key removed) reaches it within this many seconds.
    "JWKS_RECHECK_INTERVAL": 5,
    # With no key at all, wait this long for the worker that is fetching before answering 503.
    "JWKS_COLD_START_WAIT": 5.0,
    # How long a discovered `jwks_uri` is remembered in the shared cache.
    "DISCOVERY_TTL": 86400,
    # RSA keys with a shorter modulus are ignored (RFC 7518 §3.3, NIST SP 800-131A).
    "MIN_RSA_BITS": 2048,
    # (connect, read) timeouts for discovery and key-set requests, in seconds.
    "HTTP_TIMEOUT": (3.05, 5.0),
    # Responses larger than this are refused.
    "MAX_RESPONSE_BYTES": 1_000_000,
    # The verified-token cache (per process): a token seen before skips the signature check
    # until its `exp` or its key's retirement. Bounded both ways; 0 turns it off.
    "TOKEN_CACHE_MAX_ENTRIES": 10_000,
    "TOKEN_CACHE_MAX_BYTES": 16 * 1024 * 1024,
    # Longer tokens are rejected before any parsing.
    "MAX_TOKEN_BYTES": 8192,
    # The scope the hello endpoint requires.
    "HELLO_SCOPE": "hello:read",
    # The realm in `WWW-Authenticate` challenges (RFC 6750 §3).
    "REALM": "api",
    # DPoP (RFC 9449), for every view that sets no `dpop` attribute of its own: "allowed" (Bearer
    # or DPoP), "required" (DPoP only) or "disabled" (Bearer only). A token bound to a key
    # (`cnf.jkt`) is accepted only through DPoP, whatever this says.
    "DPOP": "allowed",
    # Algorithms a DPoP proof may be signed with (asymmetric only); the `algs` of the challenge.
    "DPOP_ALGORITHMS": list(PROOF_ALGORITHMS),
    # A proof is accepted this many seconds after its `iat`, plus DPOP_LEEWAY either way;
    # its `jti` is remembered (cluster-wide, in CACHE_ALIAS) for that long.
    "DPOP_MAX_AGE": 60,
    "DPOP_LEEWAY": 5,
    # Require a server nonce in proofs (RFC 9449 §9): stateless, derived from SECRET_KEY and
    # rotated every DPOP_NONCE_LIFETIME seconds, so every host accepts every host's nonces.
    "DPOP_NONCE": False,
    "DPOP_NONCE_LIFETIME": 300,
    # Certificate-bound tokens (`cnf` `x5t#S256`, RFC 8705 §3): the request header in which a
    # TLS-terminating proxy forwards the client certificate (RFC 9440 `Client-Cert`, or a
    # URL-encoded PEM as nginx's `$ssl_client_escaped_cert`), and the proxy addresses it is
    # believed from. Unset: such tokens are refused.
    "MTLS_CERTIFICATE_HEADER": None,
    "MTLS_TRUSTED_PROXIES": [],
}

# Options an entry of ISSUERS may set; the rest are global.
ISSUER_OPTIONS = (
    "AUDIENCE",
    "ALGORITHMS",
    "JWKS_URI",
    "LEEWAY",
    "MAX_TOKEN_AGE",
    "STRICT_RFC9068",
    "PROFILE",
    "ALLOWED_CLIENT_IDS",
    "RESOURCE_ACCESS_CLIENT",
)


api_settings = AppSettings("API_AUTH", DEFAULTS)
