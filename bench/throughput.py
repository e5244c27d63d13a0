"""Throughput: the hello endpoint under wrk, unauthenticated, with our authentication, and the peers'.

Run: `.venv/bin/python -m bench.throughput [--quick]`. One gunicorn serves every variant with
the same configuration (2 sync workers); the embedded issuer runs in a second gunicorn.
Prints requests/s, p50 and p99 per variant and its ratio to the unauthenticated baseline
measured in the same run; writes bench/results/throughput.json for `bench.plot`.
"""

import argparse
import json
import signal
import sys
import tempfile
import time
from pathlib import Path

from .harness import GUNICORN_OPTIONS, BenchError, Gunicorn, free_port, run_wrk
from .issuer import CLIENT_ID, EmbeddedIssuer

RESULTS = Path(__file__).resolve().parent / "results"
BASELINE = "unauthenticated (baseline)"
WITH_HEADER = "unauthenticated, bearer header ignored"
SCRIPTED = "unauthenticated, token-cycling wrk script"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs: checks the harness, not the numbers")
    parser.add_argument("--duration", type=float, help="seconds per measured run")
    parser.add_argument("--rounds", type=int, help="rounds over all variants; the best round of each counts")
    parser.add_argument("--tokens", type=int, help="distinct tokens per round for the every-token-new variant")
    parser.add_argument("--clients", type=int, help="tokens cycled through by the many-clients variant")
    parser.add_argument(
        "--connections", type=int, default=4, help="wrk connections, 1-4 (2 workers x --worker-connections 2)"
    )
    parser.add_argument(
        "--out", type=Path, help="JSON results (default bench/results/throughput.json; none in --quick)"
    )
    args = parser.parse_args(argv)
    if not 1 <= args.connections <= 4:
        parser.error("--connections must be 1-4: more would wait for a free worker slot, not be served")
    duration = args.duration or (2 if args.quick else 5)
    rounds = args.rounds or (1 if args.quick else 5)
    n_tokens = args.tokens or (300 if args.quick else 20_000)
    n_clients = args.clients or (50 if args.quick else 2_000)

    with tempfile.TemporaryDirectory(prefix="ccp-bench-") as tmp:
        workdir = Path(tmp)
        issuer = EmbeddedIssuer(workdir, free_port()).prepare()
        print(f"minting {rounds} x {n_tokens} distinct tokens...", file=sys.stderr)
        token_files = []
        for r in range(rounds):
            path = workdir / f"tokens-{r}.txt"
            path.write_text("\n".join(issuer.mint() for _ in range(n_tokens)) + "\n")
            token_files.append(path)
        clients_file = workdir / "clients.txt"
        clients_file.write_text("\n".join(issuer.mint() for _ in range(n_clients)) + "\n")

        with Gunicorn(issuer.env, port=issuer.port).start(ready_path="/oauth2/default/v1/keys"):
            token = issuer.token()
            introspection_url = issuer.introspection_url(token)
            api_env = {
                **issuer.env,
                "BENCH_INTROSPECTION_URL": introspection_url,
                "BENCH_INTROSPECTION_CLIENT_ID": CLIENT_ID,
                "BENCH_INTROSPECTION_SECRET": issuer.secret,
            }
            with Gunicorn(api_env).start(ready_path="/bench/open") as api:
                variants = {
                    BASELINE: dict(path="/bench/open"),
                    # The same, with the bearer header sent (and ignored): what carrying it costs.
                    WITH_HEADER: dict(path="/bench/open", token=token),
                    # The same, driven by the token-cycling wrk script: what that script costs wrk
                    # (on the same two cores) is the baseline of the many-token variant.
                    SCRIPTED: dict(path="/bench/open", tokens_file=True),
                    "ours, one token": dict(path="/bench/ours", token=token),
                    f"ours, {n_tokens} distinct tokens": dict(path="/bench/ours", tokens_file=True),
                    # Many clients, each reusing its token (each is sent several times a round).
                    f"ours, {n_clients} clients' tokens in turn": dict(path="/bench/ours", tokens_file=clients_file),
                    "peer: PyJWKClient + jwt.decode": dict(path="/bench/pyjwk", token=token),
                    "peer: RFC 7662 introspection": dict(path="/bench/introspect", token=token),
                }
                best: dict[str, dict] = {}
                for r in range(rounds):
                    for name, variant in variants.items():
                        url = api.url + variant["path"]
                        chosen = variant.get("tokens_file")
                        files = {"tokens_file": token_files[r] if chosen is True else chosen} if chosen else {}
                        if not files:  # warm every worker (keys, sessions) outside the measured run
                            run_wrk(url, duration=1, connections=args.connections, token=variant.get("token"))
                        result = run_wrk(
                            url, duration=duration, connections=args.connections, token=variant.get("token"), **files
                        )
                        print(
                            f"round {r + 1} {name}: {result.requests_per_s:.0f} req/s, errors {result.errors}",
                            file=sys.stderr,
                        )
                        if name not in best or result.requests_per_s > best[name]["requests_per_s"]:
                            best[name] = result.as_dict()
                        time.sleep(0.5)

    baseline = best[BASELINE]["requests_per_s"]
    scripted = best[SCRIPTED]["requests_per_s"]
    print(f"throughput: gunicorn {' '.join(GUNICORN_OPTIONS)}; wrk {args.connections} connections, {duration:g} s")
    print(f"  best of {rounds} round(s); {n_tokens} distinct tokens per round for the many-token variant")
    print(f"  {'variant':<46} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7} {'ratio':>6}")
    for name, result in best.items():
        result["ratio"] = result["requests_per_s"] / baseline
        print(
            f"  {name:<46} {result['requests_per_s']:8.0f} {result['p50_ms']:8.2f} {result['p99_ms']:8.2f}"
            f" {result['errors']:7d} {result['ratio']:6.2f}"
        )
    many = next(name for name in best if "distinct tokens" in name)
    clients = next(name for name in best if "clients'" in name)
    one = best["ours, one token"]["requests_per_s"]
    print(f"ratio one token / unauthenticated: {best['ours, one token']['ratio']:.2f}  (goal >= 0.95)")
    print(f"ratio one token / unauthenticated with the same header: {one / best[WITH_HEADER]['requests_per_s']:.2f}")
    print(
        f"ratio many tokens / unauthenticated with the same wrk script: {best[many]['requests_per_s'] / scripted:.2f}"
    )
    print(f"ratio many tokens / unauthenticated: {best[many]['ratio']:.2f}  (goal >= 0.80)")
    print(f"ratio many clients / unauthenticated: {best[clients]['ratio']:.2f}  (goal >= 0.80)")
    reused = best[clients]["requests_per_s"] / scripted
    print(f"ratio many clients / unauthenticated with the same wrk script: {reused:.2f}")
    out = args.out or (None if args.quick else RESULTS / "throughput.json")
    if out is None:
        return 0
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "duration_s": duration,
                "rounds": rounds,
                "tokens": n_tokens,
                "clients": n_clients,
                "connections": args.connections,
                "gunicorn": GUNICORN_OPTIONS,
                "variants": best,
            },
            indent=2,
        )
        + "\n"
    )
    print(f"written to {out}")
    return 0


if __name__ == "__main__":
    # A SIGTERM unwinds like an exception, so the gunicorns started here are stopped too.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    try:
        sys.exit(main())
    except BenchError as error:
        print(f"throughput: FAILED: {error}", file=sys.stderr)
        sys.exit(1)
