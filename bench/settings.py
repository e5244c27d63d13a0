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

# The key-set benchmark shortens the unknown-`kid` cooldown and the minimum key-set lifetime,
# to see several windows and expiries within a minute.
for name in ("JWKS_REFRESH_COOLDOWN", "JWKS_MIN_TTL"):
    if os.environ.get(f"BENCH_{name}"):
        API_AUTH = {**API_AUTH, name: int(os.environ[f"BENCH_{name}"])}
