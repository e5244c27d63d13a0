"""Django settings for ccproject, read from the environment and an optional `.env` file."""

from pathlib import Path

import environ

from . import deployment, log_format

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# The embedded authorization server's default issuer (runserver on 127.0.0.1:8000).
EMBEDDED_ISSUER = "http://127.0.0.1:8000/oauth2/default"

env = environ.Env()
# The environment always wins over .env, so CI and deployments can override any line.
env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

# --- Deployment mode: DJANGO_ENV=production, or DEBUG=false, turns on every secure default. ---
DJANGO_ENV = deployment.django_env(env.str("DJANGO_ENV", default="development"))
DEBUG = env.bool("DEBUG", default=DJANGO_ENV != "production")
PRODUCTION = DJANGO_ENV == "production" or not DEBUG
# Production refuses to start without a strong SECRET_KEY of its own (never the dev key).
SECRET_KEY = deployment.secret_key(env.str("SECRET_KEY", default=""), production=PRODUCTION)
SECRET_KEY_FALLBACKS = env.list("SECRET_KEY_FALLBACKS", default=[])
ALLOWED_HOSTS = deployment.allowed_hosts(env.list("ALLOWED_HOSTS", default=[]), production=PRODUCTION)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# Take the request id from X-Request-ID (when well formed) only if the proxy in front always sets
# or replaces it; NUM_PROXIES does not say so (a balancer may append X-Forwarded-For and pass a
# client's X-Request-ID through untouched). Otherwise every request gets a fresh id.
REQUEST_ID_HEADER_TRUSTED = env.bool("REQUEST_ID_HEADER_TRUSTED", default=False)

# HTTPS everywhere in production (RFC 6750 §5.3: bearer tokens only over TLS).
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=PRODUCTION)
# The probes and Prometheus come over plain HTTP from inside the cluster (the balancer, the kubelet,
# the scraper): never redirected.
SECURE_REDIRECT_EXEMPT = [r"^livez$", r"^readyz$", r"^metrics$", *env.list("SECURE_REDIRECT_EXEMPT", default=[])]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31_536_000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=PRODUCTION)
# Behind a TLS-terminating proxy: e.g. SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https".
SECURE_PROXY_SSL_HEADER = deployment.proxy_ssl_header(env.str("SECURE_PROXY_SSL_HEADER", default=""))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_SECURE = PRODUCTION

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "oauth2_provider",
    "api",
    "registration",
    "authserver",
]

MIDDLEWARE = [
    # First: every response, a later middleware's refusal included, carries the request's id.
    "ccproject.request_id.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "ccproject.middleware.SecurityHeadersMiddleware",
    # Before CSRF and every view: both read the form (see ccproject/text.py for the rules).
    "ccproject.middleware.InputGuardMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "ccproject.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "ccproject.wsgi.application"
ASGI_APPLICATION = "ccproject.asgi.application"

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}
# Persistent connections (`?conn_max_age=60` in DATABASE_URL) are checked before a request
# reuses one: after a database restart each thread's kept connection is dead, and without the
# check the first request of every thread would fail on it. Nothing to check without them.
DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # runserver's threads and the embedded issuer write concurrently: wait for locks
    # instead of failing, and take the write lock up front (no upgrade deadlocks).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

# The default cache lives in the database, so every process of one host shares it and
# `cache.add` is atomic; production points CACHE_URL at Redis to share it across hosts.
CACHES = {
    "default": env.cache("CACHE_URL", default="dbcache://ccproject_cache"),
    # Throttle counters: process memory by default (cheap, per worker); point it at Redis
    # in production so the limits hold across workers and hosts.
    "throttle": env.cache("THROTTLE_CACHE_URL", default="locmemcache://ccproject-throttle"),
}
for _cache in CACHES.values():
    if _cache["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
        # Django's backend, with its `redis.Redis` client built once per pool (ccproject/redis_cache.py).
        _cache["BACKEND"] = "ccproject.redis_cache.RedisCache"
        # A Redis that hangs must cost a request a second, not a worker: the key-set cache then
        # carries on from process memory (api.sharedcache), the throttle lets requests through.
        _cache.setdefault("OPTIONS", {})
        _cache["OPTIONS"].setdefault("socket_connect_timeout", 1.0)
        _cache["OPTIONS"].setdefault("socket_timeout", 1.0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# After signing in at /api-auth/login/ without a `next` page, land on the registration page a
# staff session can use (Django's default, /accounts/profile/, does not exist here).
LOGIN_REDIRECT_URL = "register"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.ScryptPasswordHasher",
    # Client secrets and admin API tokens are 256-bit random values: a salted SHA-256 is
    # as strong for them as PBKDF2 is for passwords, without capping the token rate.
    "authserver.hashers.RandomSecretHasher",
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.OAuthClientCredentialsAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "EXCEPTION_HANDLER": "api.handlers.exception_handler",
    "UNAUTHENTICATED_USER": None,
    # Per client id for tokens, per user or address otherwise (see api/throttling.py).
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {
        "client": env.str("API_THROTTLE_RATE", default="100/s") or None,
    },
    # How many proxies append to X-Forwarded-For; 0 trusts only the peer's address.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    # DRF's parsers, with a clear 400 for JSON nested too deeply.
    "DEFAULT_PARSER_CLASSES": [
        "api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        # The browsable API, with a readable panel for 401/403/503 (how to get a token).
        "api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
}

# --- OpenAPI 3 schema at /api/schema/, Swagger UI at /api/docs/ (assets served locally). ---
SPECTACULAR_SETTINGS = {
    "TITLE": "ccproject API",
    "DESCRIPTION": (
        "A server-to-server API secured with OAuth 2.0 client credentials. Click **Authorize**, "
        "enter a client id and secret (`manage.py bootstrap` writes TEST_CLIENT_ID and TEST_CLIENT_SECRET "
        "to `.env`), tick the scopes, and every call carries the issuer's access token."
    ),
    "VERSION": "1.0.0",
    # The schema and the docs page are public and never look at an Authorization header.
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SERVE_AUTHENTICATION": [],
    "SERVE_INCLUDE_SCHEMA": False,
    # Offline: Swagger UI's assets come from drf-spectacular-sidecar through staticfiles.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Tokens stay in the page's memory only (persistAuthorization would put them in localStorage).
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "persistAuthorization": False, "displayRequestDuration": True},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.postprocess_oauth2",
    ],
}

# --- The resource server (the `api` app); every knob is documented in api/conf.py. ---
ISSUER = env.str("ISSUER", default=EMBEDDED_ISSUER)
# Where clients reach the API (the CLI calls it), and the API's resource identifier (RFC 8707):
# its public base URL unless set, never derived from a request's Host header.
API_URL = env.str("API_URL", default="http://127.0.0.1:8000/")
RESOURCE = env.str("RESOURCE", default="") or API_URL.rstrip("/")
# Comma-separated when a token may name the API in more than one way (Entra ID: the
# application ID URI or the client id); a token must carry one of them.
_AUDIENCES = env.list("AUDIENCE", default=["api://default"])
API_AUTH = {
    "ISSUER": ISSUER,
    "AUDIENCE": _AUDIENCES[0] if len(_AUDIENCES) == 1 else _AUDIENCES,
    "RESOURCE": RESOURCE,
    "JWKS_URI": env.str("JWKS_URI", default="") or None,
    "TOKEN_ENDPOINT": env.str("TOKEN_ENDPOINT", default="") or None,
    "HELLO_SCOPE": env.str("HELLO_SCOPE", default="hello:read"),
    # How often each worker rereads the shared key set: a refresh reaches every worker within it.
    "JWKS_RECHECK_INTERVAL": env.float("JWKS_RECHECK_INTERVAL", default=5.0),
    # DPoP (RFC 9449): "allowed", "required" or "disabled" by default; server nonces opt-in.
    "DPOP": env.str("API_DPOP", default="allowed"),
    "DPOP_NONCE": env.bool("API_DPOP_NONCE", default=False),
    # How the issuer shapes its tokens: standard, okta, auth0, keycloak, cognito, entra, rfc9068.
    "PROFILE": env.str("ISSUER_PROFILE", default="standard"),
    # Comma-separated client ids; only they are accepted (required by the cognito profile).
    "ALLOWED_CLIENT_IDS": env.list("ALLOWED_CLIENT_IDS", default=[]) or None,
    # keycloak profile: the client whose roles in `resource_access` count as scopes.
    "RESOURCE_ACCESS_CLIENT": env.str("RESOURCE_ACCESS_CLIENT", default="") or None,
}

# --- Metrics: `GET /metrics` answers loopback and these addresses or networks (comma-separated) only.
# Under gunicorn, PROMETHEUS_MULTIPROC_DIR (read by prometheus_client itself) sums every worker's.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])

# --- The command-line client (`manage.py call_api` and `manage.py get_token`). ---
DEFAULT_SCOPE = env.str("DEFAULT_SCOPE", default="hello:read")
# Sent with every token request when set: Auth0's `audience`, RFC 8707 `resource` (comma-separated).
TOKEN_AUDIENCE = env.str("TOKEN_AUDIENCE", default="")
TOKEN_RESOURCE = env.list("TOKEN_RESOURCE", default=[])
# call_api and get_token ask for DPoP-bound tokens (RFC 9449) and prove them with a key made per run.
TOKEN_DPOP = env.bool("TOKEN_DPOP", default=False)
TEST_CLIENT_ID = env.str("TEST_CLIENT_ID", default="")
TEST_CLIENT_SECRET = env.str("TEST_CLIENT_SECRET", default="")
# A path to the test client's private key (PEM or JWK file, never the key itself): get_token and
# call_api then authenticate with a private_key_jwt assertion instead of the secret.
TEST_CLIENT_KEY = env.str("TEST_CLIENT_KEY", default="")

# --- The identity provider's admin API (the registration app). ---
ORG_URL = env.str("ORG_URL", default="http://127.0.0.1:8000")
TOKEN = env.str("TOKEN", default="")


def env_if_set(name: str) -> str | None:
    """The variable's value when it is set at all (an empty value included), else None."""
    return env.str(name, default="") if name in env.ENVIRON else None


# --- Client registration (the `registration` app); every knob is documented in registration/conf.py. ---
# Shaped like CACHES. Empty OPTIONS read ORG_URL and TOKEN when the provider is first used.
REGISTRATION_PROVIDERS = {
    # The Okta Apps API at ORG_URL, `Authorization: SSWS {TOKEN}` (the embedded server speaks it too).
    "default": {"BACKEND": "registration.providers.okta.OktaProvider", "OPTIONS": {}},
    # RFC 7591/7592 at {ORG_URL}/oauth2/v1/clients, with TOKEN as the initial access token.
    # Each option is read from the environment only when set there (else the backend's default).
    "dynamic": {
        "BACKEND": "registration.providers.dynamic.DynamicRegistrationProvider",
        "OPTIONS": {
            option: value
            for option, value in {
                "REGISTRATION_ENDPOINT": env.str("REGISTRATION_ENDPOINT", default=""),
                # Empty omits it: OpenID Connect servers accept only "web" or "native" (oidc-provider).
                "APPLICATION_TYPE": env_if_set("REGISTRATION_APPLICATION_TYPE"),
                "INITIAL_ACCESS_TOKEN": env_if_set("REGISTRATION_INITIAL_ACCESS_TOKEN"),
                "INITIAL_ACCESS_TOKEN_SCHEME": env_if_set("REGISTRATION_INITIAL_ACCESS_TOKEN_SCHEME"),
                "TOKEN_ENDPOINT_AUTH_METHOD": env_if_set("REGISTRATION_TOKEN_ENDPOINT_AUTH_METHOD"),
            }.items()
            if value is not None
        },
    },
}
REGISTRATION = {
    "PROVIDER": env.str("REGISTRATION_PROVIDER", default="default"),
    "THROTTLE_RATE": env.str("REGISTRATION_THROTTLE_RATE", default="10/minute") or None,
    # Secrets for encrypting stored provider credentials; empty: SECRET_KEY (+ SECRET_KEY_FALLBACKS).
    "ENCRYPTION_KEYS": env.list("REGISTRATION_ENCRYPTION_KEYS", default=[]) or None,
    # Days `manage.py prune_audit_events` keeps audit events (its --older-than overrides it).
    "AUDIT_RETENTION_DAYS": env.int("AUDIT_RETENTION_DAYS", default=365),
}

# --- The embedded authorization server (the `authserver` app on django-oauth-toolkit). ---
OAUTH2_PROVIDER_APPLICATION_MODEL = "authserver.Client"
AUTHSERVER = {
    # Empty: derive the issuer from the request's host, so any port works.
    "BASE_URL": env.str("AUTHSERVER_BASE_URL", default=""),
    "AUDIENCE": env.str("AUTHSERVER_AUDIENCE", default="api://default"),
    # What a token request may ask for with `resource` (RFC 8707): this project's API, and more.
    "RESOURCES": env.list("AUTHSERVER_RESOURCES", default=[RESOURCE]),
    # Secret-bearing endpoints accept plain http from loopback only, unless this is true.
    "ALLOW_INSECURE_HTTP": env.bool("AUTHSERVER_ALLOW_INSECURE_HTTP", default=False),
    # The algorithm of keys made by `rotate_signing_key` and the first key: RS256 or ES256.
    "SIGNING_ALGORITHM": env.str("AUTHSERVER_SIGNING_ALGORITHM", default="RS256"),
    "SCOPES": {
        "hello:read": "Call the hello endpoint",
        "clients:register": "Register new API clients",
        "clients:manage": "List, deactivate, activate and delete API clients",
        "tokens:introspect": "Introspect other clients' access tokens (RFC 7662)",
    },
    "DEFAULT_SCOPES": ["hello:read"],
}
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("ACCESS_TOKEN_LIFETIME", default=3600),
    "ACCESS_TOKEN_GENERATOR": "authserver.tokens.generate_access_token",
    "OAUTH2_VALIDATOR_CLASS": "authserver.oauth2_validator.ClientCredentialsValidator",
    # oauthlib's server with the client credentials grant only (plus introspection and
    # revocation of access tokens), taught RFC 8707's `resource`: any other grant_type is
    # unsupported_grant_type.
    "OAUTH2_SERVER_CLASS": "authserver.resource_indicators.ResourceIndicatorServer",
    "CLIENT_SECRET_HASHER": "ccp_sha256",
    # The admin never shows a client secret (see authserver/admin.py).
    "APPLICATION_ADMIN_CLASS": "authserver.admin.ClientAdmin",
    "SCOPES": AUTHSERVER["SCOPES"],
    "DEFAULT_SCOPES": AUTHSERVER["DEFAULT_SCOPES"],
    # RFC 9700 §4.14: keep only a checksum of issued tokens at rest.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    # RFC 9700 everywhere else too (the server only does client credentials; nothing here
    # is used, and `check --deploy` stays clean): no implicit or password grants, S256 PKCE
    # only, no tokens in query strings, `iss` in responses, refresh reuse detection, https.
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https"],
    # RFC 7591/7592 at {base}/oauth2/v1/clients; registering needs an initial access token
    # (an admin API token), so registration is never open to the anonymous public.
    "DCR_ENABLED": True,
    "DCR_REGISTRATION_PERMISSION_CLASSES": ("authserver.dcr.permissions.InitialAccessTokenPermission",),
}

# `plain` for people, `json` (one object a line: time, level, logger, message, request_id) for log shippers.
LOG_FORMAT = log_format.log_format(env.str("LOG_FORMAT", default="plain"))
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Tokens and secrets sent in a URL's query are refused, but the URL is logged first: every
    # handler redacts them (ccproject/redaction.py); gunicorn's logs do the same (deploy/gunicorn.conf.py).
    # Every handler also stamps each record with the id of the request being served (`-` outside one).
    "filters": {
        "redact_query": {"()": "ccproject.redaction.RedactQueryFilter"},
        "request_id": {"()": "ccproject.request_id.RequestIdFilter"},
    },
    "formatters": {
        "plain": {"format": log_format.PLAIN_FORMAT},
        # Django's own format for runserver's request lines, with the request id after them.
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message} {request_id}",
            "style": "{",
        },
        "json": {"()": "ccproject.log_format.JsonFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["redact_query", "request_id"],
        },
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "json" if LOG_FORMAT == "json" else "django.server",
            "filters": ["redact_query", "request_id"],
        },
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Without Django's own handlers (a DEBUG-only console writing bare messages, and mail to
        # ADMINS): its records reach the root's handler, once each, in LOG_FORMAT.
        "django": {"level": "INFO"},
        # oauthlib logs request bodies (client secrets) at DEBUG: never below INFO.
        "oauthlib": {"level": "INFO"},
        "oauth2_provider": {"level": "INFO"},
        # runserver's request lines.
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
    },
}
