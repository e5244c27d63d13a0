"""Token issuance per second through the embedded server's real token endpoint, against DOT's defaults.

Both configurations run in this process, one after the other, for the same bounded time, on
a fresh SQLite database, through Django's full request stack (the test client: middleware,
URL routing, django-oauth-toolkit, oauthlib, the database write of each token):

- **ccproject**: `POST /oauth2/default/v1/token` as configured (salted SHA-256 client-secret
  hasher, RS256 JWT access tokens signed per request, scope rules, revocation-ready storage);
- **DOT default**: django-oauth-toolkit's stock `TokenView` with its default settings, so
  client secrets are hashed with Django's default password hasher (PBKDF2-SHA256,
  1,000,000 iterations in Django 5.2) and tokens are opaque random strings.

Run: `.venv/bin/python bench/token_issuance.py [--seconds 5] [--json]`. Goal: ratio >= 50.
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
    from authserver.models import Client

    return Client.objects.create(
        name=client_id,
        client_id=client_id,
        client_secret=secret,
        client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_CLIENT_CREDENTIALS,
        allowed_scopes="hello:read",
    )


def measure(url: str, client_id: str, secret: str, seconds: float, data: dict) -> dict:
    """Issue tokens for `seconds` (at least 3 requests), checking every response; rate and latencies."""
    from django.test import Client as HttpClient

    http = HttpClient(
        HTTP_HOST="127.0.0.1", HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    )
    first = http.post(url, data)  # Warm-up: key loading, first queries.
    if first.status_code != 200:
        raise SystemExit(f"{url} answered {first.status_code}: {first.content[:200]!r}")
    latencies = []
    started = time.perf_counter()
    while time.perf_counter() - started < seconds or len(latencies) < 3:
        begin = time.perf_counter()
        response = http.post(url, data)
        latencies.append(time.perf_counter() - begin)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code} during the run")
    elapsed = time.perf_counter() - started
    return {
        "requests": len(latencies),
        "seconds": round(elapsed, 2),
        "tokens_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 2),
    }


def run(seconds: float) -> dict:
    from django.contrib.auth.hashers import get_hasher
    from django.test.utils import override_settings

    from authserver.keys import ensure_signing_key

    ensure_signing_key()
    secret = "s" * 64
    make_client("bench-ccproject", secret)
    ours = measure(
        "/oauth2/default/v1/token",
        "bench-ccproject",
        secret,
        seconds,
        {"grant_type": "client_credentials", "scope": "hello:read"},
    )
    # django-oauth-toolkit as installed: no OAUTH2_PROVIDER settings beyond the swapped model.
    with override_settings(OAUTH2_PROVIDER={}, ROOT_URLCONF=dot_default_urlconf()):
        make_client("bench-dot-default", secret)
        baseline = measure("/o/token/", "bench-dot-default", secret, seconds, {"grant_type": "client_credentials"})
        hasher = get_hasher("default")
    return {
        "ccproject": ours,
        "dot_default": {**baseline, "hasher": f"{hasher.algorithm} ({hasher.iterations} iterations)"},
        "ratio": round(ours["tokens_per_second"] / baseline["tokens_per_second"], 1),
        "goal": GOAL,
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="Duration of each measurement (default 5).")
    parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        configure(Path(directory) / "bench.sqlite3")
        result = run(args.seconds)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    ours, base = result["ccproject"], result["dot_default"]
    print(f"ccproject token endpoint : {ours['tokens_per_second']:>8} tokens/s  (p50 {ours['p50_ms']} ms)")
    rate, p50 = base["tokens_per_second"], base["p50_ms"]
    print(f"DOT default configuration: {rate:>8} tokens/s  (p50 {p50} ms, {base['hasher']})")
    verdict = "met" if result["ratio"] >= GOAL else "NOT met"
    print(f"ratio                    : {result['ratio']:>8}x  (goal >= {GOAL:g}x: {verdict})")


if __name__ == "__main__":
    main()
