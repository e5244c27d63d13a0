"""Settings of the registration services the reliability tests run under gunicorn: the project's own,
with provider timeouts short enough for a test and `PENDING_GRACE` from the environment."""

import os

os.environ.setdefault("ENV_FILE", os.devnull)

from ccproject.settings import *  # noqa: F403
from ccproject.settings import REGISTRATION

REGISTRATION_PROVIDERS = {
    "default": {
        "BACKEND": "registration.providers.okta.OktaProvider",
        # A hanging provider costs one second per call instead of ten; 429s are retried at once.
        "OPTIONS": {"TIMEOUT": (1.0, 1.0), "MAX_RETRIES": 2, "MAX_RETRY_WAIT": 1},
    }
}
# `sync_clients` run by a test settles interrupted registrations at once.
REGISTRATION = {**REGISTRATION, "PENDING_GRACE": int(os.environ.get("REGISTRATION_PENDING_GRACE", "300"))}
