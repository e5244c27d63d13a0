"""Django settings for ccproject, read from the environment and an optional `.env` file."""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

# The embedded authorization server's default issuer (runserver on 127.0.0.1:8000).
EMBEDDED_ISSUER = "http://127.0.0.1:8000/oauth2/default"

env = environ.Env()
# The environment always wins over .env, so CI and deployments can override any line.
env.read_env(env.str("ENV_FILE", default=str(BASE_DIR / ".env")), overwrite=False)

DEBUG = env.bool("DEBUG", default=True)
# A development-only key; production must set SECRET_KEY (`check --deploy` insists).
SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-ccproject-development-only-key-change-me")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "oauth2_provider",
    "api",
    "registration",
    "authserver",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # runserver's threads and the embedded issuer write concurrently: wait for locks
    # instead of failing, and take the write lock up front (no upgrade deadlocks).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )

# The default cache lives in the database, so every process of one host shares it and
# `cache.add` is atomic; production points CACHE_URL at Redis to share it across hosts.
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://ccproject_cache")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # A Redis that hangs must cost a request a second, not a worker: the key-set cache then
    # carries on from process memory (api.sharedcache).
    CACHES["default"].setdefault("OPTIONS", {})
    CACHES["default"]["OPTIONS"].setdefault("socket_connect_timeout", 1.0)
    CACHES["default"]["OPTIONS"].setdefault("socket_timeout", 1.0)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

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
}

# --- The resource server (the `api` app); every knob is documented in api/conf.py. ---
ISSUER = env.str("ISSUER", default=EMBEDDED_ISSUER)
API_AUTH = {
    "ISSUER": ISSUER,
    "AUDIENCE": env.str("AUDIENCE", default="api://default"),
    "JWKS_URI": env.str("JWKS_URI", default="") or None,
    "HELLO_SCOPE": env.str("HELLO_SCOPE", default="hello:read"),
}

# --- The command-line client (`manage.py call_api`, the seed's test.js). ---
DEFAULT_SCOPE = env.str("DEFAULT_SCOPE", default="hello:read")
TEST_CLIENT_ID = env.str("TEST_CLIENT_ID", default="")
TEST_CLIENT_SECRET = env.str("TEST_CLIENT_SECRET", default="")
API_URL = env.str("API_URL", default="http://127.0.0.1:8000/")

# --- The identity provider's admin API (the registration app). ---
ORG_URL = env.str("ORG_URL", default="http://127.0.0.1:8000")
TOKEN = env.str("TOKEN", default="")

# --- The embedded authorization server (the `authserver` app on django-oauth-toolkit). ---
OAUTH2_PROVIDER_APPLICATION_MODEL = "authserver.Client"
AUTHSERVER = {
    # Empty: derive the issuer from the request's host, so any port works.
    "BASE_URL": env.str("AUTHSERVER_BASE_URL", default=""),
    "AUDIENCE": env.str("AUTHSERVER_AUDIENCE", default="api://default"),
    "SCOPES": {
        "hello:read": "Call the hello endpoint",
        "clients:register": "Register new API clients",
        "clients:manage": "List, deactivate, activate and delete API clients",
    },
    "DEFAULT_SCOPES": ["hello:read"],
}
OAUTH2_PROVIDER = {
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("ACCESS_TOKEN_LIFETIME", default=3600),
    "ACCESS_TOKEN_GENERATOR": "authserver.tokens.generate_access_token",
    "OAUTH2_VALIDATOR_CLASS": "authserver.validators.ClientCredentialsValidator",
    # oauthlib's server with the client credentials grant only (plus introspection and
    # revocation of access tokens): any other grant_type is unsupported_grant_type.
    "OAUTH2_SERVER_CLASS": "oauthlib.oauth2.BackendApplicationServer",
    "CLIENT_SECRET_HASHER": "ccp_sha256",
    "SCOPES": AUTHSERVER["SCOPES"],
    "DEFAULT_SCOPES": AUTHSERVER["DEFAULT_SCOPES"],
    # RFC 9700 §4.14: keep only a checksum of issued tokens at rest.
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    # RFC 7591/7592 at {base}/oauth2/v1/clients; registering needs an initial access token
    # (an admin API token), so registration is never open to the anonymous public.
    "DCR_ENABLED": True,
    "DCR_REGISTRATION_PERMISSION_CLASSES": ("authserver.dcr.permissions.InitialAccessTokenPermission",),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # oauthlib logs request bodies (client secrets) at DEBUG: never below INFO.
    "loggers": {"oauthlib": {"level": "INFO"}, "oauth2_provider": {"level": "INFO"}},
}
