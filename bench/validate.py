"""Hot-path cost of `api.validation.validate_token` on a warm key set, as a ratio to bare PyJWT.

Run: `.venv/bin/python bench/validate.py`. The baseline is `jwt.decode` with the key already in
hand and the same claim checks PyJWT offers, measured in the same run. Then the hello request
path in process (`request_path`): unauthenticated, one cached token, a first-seen token.
"""

import os
import sys
import time
import timeit
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
os.environ.setdefault("ENV_FILE", os.devnull)
# The per-client throttle runs, at a rate no loop reaches (its cost is measured, it refuses nothing).
os.environ["API_THROTTLE_RATE"] = "1000000000/s"
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
    request_path(key, claims)


def request_path(key, claims: dict, calls: int = 2000, rounds: int = 7) -> None:
    """The hello view called with `RequestFactory` requests (no middleware, no network), µs each.

    The unauthenticated baseline, the one cached token, and a first-seen token per request are
    interleaved round by round; the best round of each is kept.
    """
    from django.core.handlers.wsgi import WSGIRequest
    from django.test import RequestFactory

    from api.views import HelloView
    from bench.peers import OpenHelloView

    factory = RequestFactory()
    open_view, ours_view = OpenHelloView.as_view(), HelloView.as_view()
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1", "typ": "at+jwt"})
    fresh = [
        jwt.encode({**claims, "jti": f"j{n}"}, key, algorithm="RS256", headers={"kid": "k1", "typ": "at+jwt"})
        for n in range((rounds + 1) * calls // 4)
    ]
    # A fresh WSGIRequest per call, as a server makes one: Django caches `GET` and `headers` on it.
    plain = factory.get("/bench/open").environ
    bearer = factory.get("/bench/ours", HTTP_AUTHORIZATION=f"Bearer {token}").environ
    new = iter([factory.get("/bench/ours", HTTP_AUTHORIZATION=f"Bearer {t}").environ for t in fresh])

    def run(view, environ):
        response = view(WSGIRequest(environ.copy()))
        assert response.status_code == 200, response.status_code

    def first_seen(n: int) -> float:
        environs = [next(new) for _ in range(n)]
        start = time.perf_counter()
        for environ in environs:
            run(ours_view, environ)
        return time.perf_counter() - start

    def loop(view, environ, n: int) -> float:
        start = time.perf_counter()
        for _ in range(n):
            run(view, environ)
        return time.perf_counter() - start

    best = {"open": float("inf"), "ours": float("inf"), "new": float("inf")}
    run(open_view, plain), run(ours_view, bearer)
    for _ in range(rounds):
        best["open"] = min(best["open"], loop(open_view, plain, calls) / calls)
        best["ours"] = min(best["ours"], loop(ours_view, bearer, calls) / calls)
        best["new"] = min(best["new"], first_seen(calls // 4) / (calls // 4))
    open_us, ours_us, new_us = (best[name] * 1e6 for name in ("open", "ours", "new"))
    print(f"hello, unauthenticated:          {open_us:8.1f} us/request")
    print(f"hello, one cached token:         {ours_us:8.1f} us/request (+{ours_us - open_us:.1f})")
    print(f"hello, first-seen token:         {new_us:8.1f} us/request (+{new_us - open_us:.1f})")


if __name__ == "__main__":
    main()
