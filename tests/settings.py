"""Settings for the test suite: the project's own, without the developer's `.env`."""

import os

# A developer's .env (a real Okta, say) must not leak into the tests; the environment
# still applies, which is how CI switches DATABASE_URL and CACHE_URL.
os.environ.setdefault("ENV_FILE", os.devnull)

from ccproject.settings import *  # noqa: F403
from ccproject.settings import PASSWORD_HASHERS

# Staff users are created in many tests; a million PBKDF2 rounds each would dominate.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
