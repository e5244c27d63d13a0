"""DPoP throughput: one bound token with a fresh ES256 proof per request, against the unauthenticated rate.

Run: `.venv/bin/python -m bench.dpop_throughput [--quick]`. One gunicorn (the throughput
benchmark's options) serves the hello endpoint with the shared cache on a private Redis, as a
cluster would run DPoP (the replay check is one `SET NX EX` a request). Per round, in the same
order: the unauthenticated endpoint driven by the same wrk script and request file (what the
script and the two headers cost wrk, on the same two cores), one bearer token, the same bearer
token with one replay-store add per request (`bench.roundtrip`: the round trip a DPoP request
needs, alone), and one DPoP-bound token whose every request carries a proof signed just before
the run and never sent before. Prints requests/s per variant, the median of the paired ratios to
the baseline, and DPoP's rate against the round-trip variant's: what the proof costs beyond the
round trip. `--cache memory` puts the API's cache in each worker's memory instead (no round
trip, and no replay protection across workers: a measurement, not a way to run DPoP).
"""

import argparse
import contextlib
import statistics
import sys
import tempfile
from pathlib import Path

from .harness import Gunicorn, RedisServer, free_port, run_wrk
from .issuer import EmbeddedIssuer
from .throughput import MAX_REQUESTS_PER_S, require_tokens_unused

BASELINE = "unauthenticated, same wrk script"
ROUND_TRIP = "bearer + one replay-store add"
DPOP = "DPoP, one token, a new proof each"
CACHES = {"redis": "Redis", "memory": "each worker's memory"}


def write_requests(path: Path, url: str, token: str, key, count: int) -> Path:
    """`count` lines of "<token> <proof>", each proof new (its own jti) for GET `url`."""
    path.write_text("".join(f"{token} {key.proof('GET', url, access_token=token)}\n" for _ in range(count)))
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs: checks the harness, not the numbers")
    parser.add_argument("--duration", type=float, help="seconds per measured run")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--cache", choices=CACHES, default="redis", help="where the API's cache is")
    args = parser.parse_args(argv)
    duration = args.duration or (1 if args.quick else 5)
    rounds = args.rounds or (1 if args.quick else 5)
    count = int(duration * MAX_REQUESTS_PER_S)

    from ccproject.dpop_signer import DPoPKey

    key = DPoPKey()
    redis_server = RedisServer() if args.cache == "redis" else contextlib.nullcontext()
    with tempfile.TemporaryDirectory(prefix="ccp-bench-") as tmp, redis_server as redis:
        workdir = Path(tmp)
        issuer = EmbeddedIssuer(workdir, free_port()).prepare()
        bound, bearer = issuer.mint(cnf={"jkt": key.thumbprint}), issuer.mint()
        issuer_server = Gunicorn(issuer.env, port=issuer.port)
        cache_url = redis.url if redis else "locmemcache://bench-dpop"
        api_server = Gunicorn({**issuer.env, "CACHE_URL": cache_url})
        with (
            issuer_server.start(ready_path="/oauth2/default/v1/keys"),
            api_server.start(ready_path="/bench/open") as api,
        ):
            workers = api.worker_pids()
            ours, open_url = api.url + "/bench/ours", api.url + "/bench/open"
            run_wrk(ours, duration=1, connections=args.connections, token=bearer)  # keys warm everywhere
            runs: dict[str, list] = {BASELINE: [], "bearer, one token": [], ROUND_TRIP: [], DPOP: []}
            for r in range(rounds):
                print(f"round {r + 1}: signing {2 * count} proofs...", file=sys.stderr)
                baseline_file = write_requests(workdir / "open.txt", open_url, bound, key, count)
                dpop_file = write_requests(workdir / "dpop.txt", ours, bound, key, count)
                common = dict(duration=duration, connections=args.connections, server_pids=workers)
                runs[BASELINE].append(run_wrk(open_url, tokens_file=baseline_file, script="dpop.lua", **common))
                runs["bearer, one token"].append(run_wrk(ours, token=bearer, **common))
                runs[ROUND_TRIP].append(run_wrk(api.url + "/bench/roundtrip", token=bearer, **common))
                result = run_wrk(ours, tokens_file=dpop_file, script="dpop.lua", **common)
                require_tokens_unused(result, count)
                runs[DPOP].append(result)

    print(
        f"DPoP throughput: {rounds} round(s) of {duration:g} s, wrk {args.connections} connections,"
        f" API cache in {CACHES[args.cache]}"
    )
    print(f"  {'variant':<36} {'req/s':>7} {'server us/req':>14} {'paired ratio':>13}")
    for name, results in runs.items():
        best = max(results, key=lambda result: result.requests_per_s)
        paired = statistics.median(
            run.requests_per_s / base.requests_per_s for run, base in zip(results, runs[BASELINE], strict=True)
        )
        server = statistics.median(run.server_cpu_us for run in results)
        print(f"  {name:<36} {best.requests_per_s:7.0f} {server:14.0f} {paired:13.2f}")
    beyond = statistics.median(
        run.requests_per_s / base.requests_per_s for run, base in zip(runs[DPOP], runs[ROUND_TRIP], strict=True)
    )
    print(f"DPoP / bearer + one replay-store add: {beyond:.2f} paired (what the proof costs beyond the round trip)")
    print("goal: DPoP >= 0.70 of the unauthenticated rate (paired ratio)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
