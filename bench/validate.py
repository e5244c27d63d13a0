"""Hot-path cost of `api.validation.validate_token` on a warm key set, as a ratio to bare PyJWT.

Run: `.venv/bin/python bench/validate.py`. The baseline is `jwt.decode` with the key already in
hand and the same claim checks PyJWT offers, measured in the same run.
"""

import os
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ccproject.settings")
os.environ.setdefault("ENV_FILE", os.devnull)
os.environ["CACHE_URL"] = os.environ.get("BENCH_CACHE_URL", "locmemcache://")

import django

django.setup()

import jwt  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import rsa  # noqa: E402

from api.issuers import trusted_issuers  # noqa: E402
from api.jwks import get_key_set  # noqa: E402
from api.keys import parse_jwks  # noqa: E402
from api.validation import validate_token  # noqa: E402

ISSUER = trusted_issuers() and next(iter(trusted_issuers()))
AUDIENCE = "api://default"


def main() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "k1", "alg": "RS256"}
    key_set = get_key_set(ISSUER, None)
    entry = {"issuer": ISSUER, "jwks": {"keys": [jwk]}, "fetched_at": time.time(), "fresh_until": time.time() + 3600}
    key_set._install(entry, parse_jwks(entry["jwks"]))  # warm, as after the first fetch
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "iat": now, "exp": now + 3600, "cid": "c", "scp": ["hello:read"]}
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1", "typ": "at+jwt"})
    public = key.public_key()

    def baseline():
        jwt.decode(token, public, algorithms=["RS256"], audience=AUDIENCE, issuer=ISSUER, leeway=60)

    def ours():
        validate_token(token)

    rounds = 2000
    ours(), baseline()  # warm up
    base = min(timeit.repeat(baseline, number=rounds, repeat=5)) / rounds
    mine = min(timeit.repeat(ours, number=rounds, repeat=5)) / rounds
    print(f"baseline jwt.decode:  {base * 1e6:8.1f} us/token")
    print(f"validate_token:       {mine * 1e6:8.1f} us/token")
    print(f"ratio (ours/baseline): {mine / base:.2f}")


if __name__ == "__main__":
    main()
