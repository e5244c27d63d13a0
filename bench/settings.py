"""Settings for benchmark servers: the project's own, plus the peers' endpoints in `bench.urls`."""

import os

# A developer's .env must not change what is measured; the environment still applies.
os.environ.setdefault("ENV_FILE", os.devnull)

from ccproject.settings import *  # noqa: F403
from ccproject.settings import API_AUTH, LOGGING

ROOT_URLCONF = "bench.urls"

# Production-like: no per-request debug bookkeeping, and warnings only in the logs.
DEBUG = os.environ.get("DEBUG", "false").lower() == "true"
LOGGING = {**LOGGING, "root": {**LOGGING["root"], "level": os.environ.get("LOG_LEVEL", "WARNING")}}

# The key-set benchmark shortens the unknown-`kid` cooldown to see several windows.
if os.environ.get("BENCH_JWKS_REFRESH_COOLDOWN"):
    API_AUTH = {**API_AUTH, "JWKS_REFRESH_COOLDOWN": int(os.environ["BENCH_JWKS_REFRESH_COOLDOWN"])}
