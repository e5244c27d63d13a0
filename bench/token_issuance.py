"""Token issuance per second through the embedded server's real token endpoint, against DOT's defaults.

The configurations run in this process, alternating in short slices (so all see the same
load on a shared machine) for the same bounded total time, on a fresh SQLite database,
through Django's full request stack (the test client: middleware, URL routing,
django-oauth-toolkit, oauthlib):

- **ccproject**: `POST /oauth2/default/v1/token` as configured (salted SHA-256 client-secret
  hasher, an RS256 JWT signed per request, scope rules; nothing written per token);
- **ccproject, private_key_jwt**: the same endpoint, the client authenticated by an RS256
  assertion (RFC 7523) instead of a secret: signature, claims, and the `jti` remembered in the
  replay cache; each assertion is signed before its request is timed (that is the client's cost);
- **DOT default**: django-oauth-toolkit's stock `TokenView` with its default settings, so
  client secrets are hashed with Django's default password hasher (PBKDF2-SHA256,
  1,000,000 iterations in Django 5.2), tokens are opaque random strings stored in its table.

Run: `.venv/bin/python bench/token_issuance.py [--seconds 6] [--rounds 6] [--json]`. Goals: ccproject
over DOT default >= 50x; private_key_jwt over the secret path >= 0.5x.
"""

import argparse
import base64
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOAL = 50.0
ASSERTION_GOAL = 0.5


def configure(database: Path) -> None:
    """The project's own settings, on a throwaway database, without the developer's `.env`."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "ccproject.settings"
    os.environ["ENV_FILE"] = os.devnull
    os.environ["DATABASE_URL"] = f"sqlite:///{database}"
    os.environ["CACHE_URL"] = "locmemcache://"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def dot_default_urlconf():
    """A URL conf with django-oauth-toolkit's own token view, for the baseline."""
    from django.urls import path
    from oauth2_provider.views import TokenView

    module = type(sys)("bench_dot_default_urls")
    module.urlpatterns = [path("o/token/", TokenView.as_view())]
    sys.modules[module.__name__] = module
    return module.__name__


def make_client(client_id: str, secret: str):
    """A client as DOT itself stores one (its own secret field, hashed by its configured hasher)."""
    from authserver.models import Client

    return Client.objects.create(
        name=client_id,
        client_id=client_id,
        client_secret=secret,
        client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_CLIENT_CREDENTIALS,
        allowed_scopes="hello:read",
    )


def make_keyless_client(client_id: str):
    """A private_key_jwt client of the embedded server with one RS256 key; returns its signer."""
    from cryptography.hazmat.primitives.asymmetric import rsa

    from api.private_key_jwt import AssertionSigner
    from authserver.credentials import clean_public_jwk
    from authserver.service_clients import create_service_client

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    signer = AssertionSigner(key=key, algorithm="RS256", kid="bench-1")
    create_service_client(
        label=client_id,
        scopes=["hello:read"],
        client_id=client_id,
        auth_method="private_key_jwt",
        jwks=[clean_public_jwk(signer.public_jwk())],
    )
    return signer


class Side:
    """One configuration under test: its URL, credentials and the latencies measured so far.

    `form` makes each request's body (called before the request is timed); `secret` adds Basic auth.
    """

    def __init__(self, url: str, client_id: str, secret: str | None, form, settings: dict):
        from django.test import Client as HttpClient

        headers = {}
        if secret is not None:
            headers["HTTP_AUTHORIZATION"] = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        self.http = HttpClient(HTTP_HOST="127.0.0.1", **headers)
        self.url, self.form, self.settings = url, form, settings
        self.latencies: list[float] = []
        self.elapsed = 0.0

    def run(self, seconds: float) -> None:
        """Issue tokens for `seconds` of request time (at least one request), checking every response."""
        from django.test.utils import override_settings

        with override_settings(**self.settings):
            spent = 0.0
            while not self.latencies or spent < seconds:
                data = self.form()
                begin = time.perf_counter()
                response = self.http.post(self.url, data)
                took = time.perf_counter() - begin
                self.latencies.append(took)
                spent += took
                if response.status_code != 200:
                    raise SystemExit(f"{self.url} answered {response.status_code}: {response.content[:200]!r}")
                if spent >= seconds:
                    break
            self.elapsed += spent

    def result(self) -> dict:
        return {
            "requests": len(self.latencies),
            "seconds": round(self.elapsed, 2),
            "tokens_per_second": round(len(self.latencies) / self.elapsed, 1),
            "p50_ms": round(statistics.median(self.latencies) * 1000, 2),
        }


def run(seconds: float, rounds: int) -> dict:
    """Alternate the sides in `rounds` slices, so all see the same machine load (it is shared)."""
    from django.contrib.auth.hashers import get_hasher
    from django.test.utils import override_settings

    from authserver.keys import ensure_signing_key
    from authserver.service_clients import create_service_client

    ensure_signing_key()
    secret = "s" * 64
    create_service_client(label="bench", scopes=["hello:read"], client_id="bench-ccproject", secret=secret)
    signer = make_keyless_client("bench-keyless")
    token_url = "http://127.0.0.1/oauth2/default/v1/token"
    grant = {"grant_type": "client_credentials", "scope": "hello:read"}
    # django-oauth-toolkit as installed: no OAUTH2_PROVIDER settings beyond the swapped model.
    dot_default = {"OAUTH2_PROVIDER": {}, "ROOT_URLCONF": dot_default_urlconf()}
    with override_settings(**dot_default):
        make_client("bench-dot-default", secret)  # Its secret is hashed with the default hasher.
        hasher = get_hasher("default")
    ours = Side("/oauth2/default/v1/token", "bench-ccproject", secret, lambda: grant, {})
    keyless = Side(
        "/oauth2/default/v1/token",
        "bench-keyless",
        None,
        lambda: {**grant, **signer.form(client_id="bench-keyless", audience=token_url)},
        {},
    )
    baseline = Side("/o/token/", "bench-dot-default", secret, lambda: {"grant_type": "client_credentials"}, dot_default)
    sides = (ours, keyless, baseline)
    for side in sides:  # Warm-up: key loading, first queries.
        side.run(0)
        side.latencies, side.elapsed = [], 0.0
    for _ in range(rounds):
        for side in sides:
            side.run(seconds / rounds)
    mine, assertions, base = ours.result(), keyless.result(), baseline.result()
    return {
        "ccproject": mine,
        "ccproject_private_key_jwt": assertions,
        "dot_default": {**base, "hasher": f"{hasher.algorithm} ({hasher.iterations} iterations)"},
        "ratio": round(mine["tokens_per_second"] / base["tokens_per_second"], 1),
        "goal": GOAL,
        "assertion_ratio": round(assertions["tokens_per_second"] / mine["tokens_per_second"], 2),
        "assertion_goal": ASSERTION_GOAL,
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="Time spent on each side (default 6).")
    parser.add_argument("--rounds", type=int, default=6, help="Alternating slices per side (default 6).")
    parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        configure(Path(directory) / "bench.sqlite3")
        result = run(args.seconds, args.rounds)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    ours, base = result["ccproject"], result["dot_default"]
    keyless = result["ccproject_private_key_jwt"]
    print(f"ccproject token endpoint : {ours['tokens_per_second']:>8} tokens/s  (p50 {ours['p50_ms']} ms)")
    print(f"  ... with private_key_jwt: {keyless['tokens_per_second']:>7} tokens/s  (p50 {keyless['p50_ms']} ms)")
    rate, p50 = base["tokens_per_second"], base["p50_ms"]
    print(f"DOT default configuration: {rate:>8} tokens/s  (p50 {p50} ms, {base['hasher']})")
    verdict = "met" if result["ratio"] >= GOAL else "NOT met"
    print(f"ratio                    : {result['ratio']:>8}x  (goal >= {GOAL:g}x: {verdict})")
    verdict = "met" if result["assertion_ratio"] >= ASSERTION_GOAL else "NOT met"
    ratio = result["assertion_ratio"]
    print(f"assertion / secret       : {ratio:>8}x  (goal >= {ASSERTION_GOAL:g}x: {verdict})")


if __name__ == "__main__":
    main()
