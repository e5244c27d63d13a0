"""Settings of the gunicorn in test_readiness_gunicorn: the project's own, a one-second refetch cooldown."""

import os

os.environ.setdefault("ENV_FILE", os.devnull)

from ccproject.settings import *  # noqa: F403
from ccproject.settings import API_AUTH

# The cooldown between two key-set fetches: an issuer that comes back is tried again within a
# second instead of 30, so the test waits for the next window without waiting long.
API_AUTH = {**API_AUTH, "JWKS_REFRESH_COOLDOWN": 1}
