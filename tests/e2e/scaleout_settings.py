"""Settings of the gunicorn instances in test_scale_out: the project's own, a one-second refetch cooldown."""

import os

os.environ.setdefault("ENV_FILE", os.devnull)

from ccproject.settings import *  # noqa: F403
from ccproject.settings import API_AUTH

# The cooldown between two key-set fetches; a second instead of 30 keeps the rotation test short.
API_AUTH = {**API_AUTH, "JWKS_REFRESH_COOLDOWN": 1}

# Plain http on loopback stands in for TLS ending at the balancer (the https redirect is off
# too): a staff session's cookies must travel over it to reach /register/ and /clients/.
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
