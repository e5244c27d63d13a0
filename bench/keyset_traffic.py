"""Key-set traffic: JWKS requests an issuer receives from a cluster (3 gunicorn x 2 workers, one Redis).

Run: `.venv/bin/python -m bench.keyset_traffic [--quick]`. The issuer is `bench.keyserver`
on loopback, counting its JWKS requests. Phase 1 loads the cluster with tokens of one key,
the issuer rotates, phase 2 sends tokens of the new key; then a flood of tokens naming random
unknown `kid`s. Prints the fetches per phase beside what the design allows.
"""

import argparse
import math
import secrets
import sys
import tempfile
import time
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import rsa

from .harness import Gunicorn, RedisServer, django_env, finish_wrk, start_wrk
from .keyserver import AUDIENCE, KeyServer

INSTANCES = 3


def write_tokens(path: Path, tokens: list[str]) -> Path:
    path.write_text("\n".join(tokens) + "\n")
    return path


def load(servers: list[Gunicorn], tokens_file: Path, duration: float) -> tuple[int, int, int]:
    """Drive every instance at once: the requests, the non-2xx answers, the socket errors."""
    runs = [start_wrk(server.url + "/", duration=duration, tokens_file=tokens_file) for server in servers]
    results = [finish_wrk(run) for run in runs]
    return tuple(sum(getattr(r, name) for r in results) for name in ("requests", "non_2xx", "socket_errors"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short phases: checks the harness, not the numbers")
    parser.add_argument("--duration", type=float, help="seconds of load around the rotation (default 60)")
    parser.add_argument("--flood", type=float, help="seconds of unknown-kid flood (default 60)")
    parser.add_argument(
        "--max-age",
        type=int,
        default=3600,
        help="the JWKS Cache-Control max-age the issuer sends (and the servers honour)",
    )
    parser.add_argument("--cooldown", type=int, default=30, help="API_AUTH JWKS_REFRESH_COOLDOWN of the servers")
    args = parser.parse_args(argv)
    duration = args.duration or (6 if args.quick else 60)
    flood = args.flood or (4 if args.quick else 60)

    with tempfile.TemporaryDirectory(prefix="ccp-bench-") as tmp, KeyServer(max_age=args.max_age) as issuer:
        workdir = Path(tmp)
        before = write_tokens(workdir / "before.txt", [issuer.mint() for _ in range(50)])
        new_kid = issuer.rotate(publish=False)
        after = write_tokens(workdir / "after.txt", [issuer.mint() for _ in range(50)])
        stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        forged = [issuer.mint(kid="unknown-" + secrets.token_hex(6), key=stranger) for _ in range(500)]
        forged_file = write_tokens(workdir / "forged.txt", forged)

        with RedisServer() as redis:
            env = django_env(
                workdir,
                ISSUER=issuer.issuer,
                AUDIENCE=AUDIENCE,
                CACHE_URL=redis.url,
                BENCH_JWKS_REFRESH_COOLDOWN=str(args.cooldown),
                BENCH_JWKS_MIN_TTL=str(min(args.max_age, 300)),
            )
            servers = [Gunicorn(env) for _ in range(INSTANCES)]
            try:
                for server in servers:
                    server.start(ready_path="/bench/open")
                issuer.jwks_requests = 0
                phases = []
                start = time.monotonic()
                outcome = load(servers, before, duration / 2)
                phases.append(("phase 1: one key (cold start included)", issuer.jwks_requests, *outcome))
                # Rotation: the issuer publishes the new key and signs with it from now on.
                issuer.publish(new_kid)
                count = issuer.jwks_requests
                outcome = load(servers, after, duration / 2)
                phases.append(("phase 2: after the rotation", issuer.jwks_requests - count, *outcome))
                elapsed = time.monotonic() - start
                count = issuer.jwks_requests
                outcome = load(servers, forged_file, flood)
                phases.append(("flood of unknown kids", issuer.jwks_requests - count, *outcome))
            finally:
                for server in servers:
                    server.stop()
    expiries = math.ceil(elapsed / args.max_age) - 1
    print(f"key-set traffic: {INSTANCES} gunicorn instances x 2 workers, one Redis; JWKS max-age {args.max_age} s,")
    print(f"  unknown-kid cooldown {args.cooldown} s; {duration:g} s around a rotation, then {flood:g} s of flood")
    print(f"  {'phase':<42} {'JWKS fetches':>12} {'requests':>9} {'non-2xx':>8} {'socket errors':>13}")
    for name, fetches, served, non_2xx, socket_errors in phases:
        print(f"  {name:<42} {fetches:12d} {served:9d} {non_2xx:8d} {socket_errors:13d}")
    measured = phases[0][1] + phases[1][1]
    print(
        f"goal phases 1+2: one fetch for the whole cluster at the start, one per expiry ({expiries} in"
        f" {elapsed:.0f} s) and one for the rotation = {2 + expiries}; measured {measured}"
    )
    # Windows are aligned to the clock, so a run of `flood` seconds touches one more than flood/cooldown.
    allowed = math.ceil(flood / args.cooldown) + 1
    print(f"goal flood: at most {allowed} (one per {args.cooldown} s cooldown window); measured {phases[2][1]}")
    print(f"flood answers are all 401 by design: {phases[2][3] == phases[2][2]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
