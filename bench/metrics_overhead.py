"""Metrics overhead: the one-token hello rate with metrics on, as a ratio to metrics off in the same run.

Run: `.venv/bin/python -m bench.metrics_overhead [--quick]` (needs wrk). Two gunicorns with the
throughput benchmark's options (`harness.GUNICORN_OPTIONS`) serve the hello endpoint side by side,
trusting one embedded issuer: "on" counts as production does, every event written to its worker's
file in `PROMETHEUS_MULTIPROC_DIR`; "off" has every event of `ccproject.metrics` replaced by a
function that does nothing (`BENCH_METRICS=off`, applied by bench/gunicorn_conf.py in each
worker). Per round wrk drives each with one bearer token, the order alternating; prints req/s and
server CPU per request of each, and the median of the rounds' paired ratios on / off.
"""

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

import requests

from .harness import GUNICORN_OPTIONS, Gunicorn, free_port, run_wrk
from .issuer import EmbeddedIssuer

ON, OFF = "metrics on (multiprocess files)", "metrics off (no-op events)"
GOAL = 0.97
# Every event function of ccproject.metrics (tests/bench/test_metrics_overhead.py keeps this whole):
# the "off" server replaces each with `_nothing`.
EVENTS = (
    "token_accepted",
    "token_refused",
    "token_unavailable",
    "token_cache_lookup",
    "replay_refused",
    "replay_store_unavailable",
    "key_set_fetched",
    "key_set_adopted",
    "registration_action",
    "provider_request",
)
ACCEPTED = 'ccproject_token_validations_total{outcome="accepted",reason="none"}'


def _nothing(*args, **kwargs) -> None:
    return None


def disable_metrics() -> None:
    """Make every event of ccproject.metrics a no-op in this process (call sites look them up by name)."""
    from ccproject import metrics

    for name in EVENTS:
        setattr(metrics, name, _nothing)


def accepted_count(url: str) -> float:
    """The accepted validations a server's `/metrics` reports (0 when it has none)."""
    for line in requests.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith(ACCEPTED + " "):
            return float(line.split()[-1])
    return 0.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs: checks the harness, not the numbers")
    parser.add_argument("--duration", type=float, help="seconds per measured run")
    parser.add_argument("--rounds", type=int, help="rounds of both variants, the order alternating")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections, 1-4 (as bench.throughput)")
    args = parser.parse_args(argv)
    if not 1 <= args.connections <= 4:
        parser.error("--connections must be 1-4: more would wait for a free worker slot, not be served")
    duration = args.duration or (1 if args.quick else 5)
    rounds = args.rounds or (2 if args.quick else 8)

    runs: dict[str, list] = {ON: [], OFF: []}
    with tempfile.TemporaryDirectory(prefix="ccp-bench-") as tmp:
        workdir = Path(tmp)
        metrics_dir = workdir / "prometheus"
        metrics_dir.mkdir()
        issuer = EmbeddedIssuer(workdir, free_port()).prepare()
        token = issuer.mint()
        servers = {
            ON: Gunicorn({**issuer.env, "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}),
            OFF: Gunicorn({**issuer.env, "BENCH_METRICS": "off"}),
        }
        with (
            Gunicorn(issuer.env, port=issuer.port).start(ready_path="/oauth2/default/v1/keys"),
            servers[ON].start(ready_path="/bench/open"),
            servers[OFF].start(ready_path="/bench/open"),
        ):
            workers = {name: server.worker_pids() for name, server in servers.items()}
            sent = dict.fromkeys(servers, 0)
            for name, server in servers.items():  # keys and the token cache warm in every worker
                sent[name] += run_wrk(
                    server.url + "/bench/ours", duration=1, connections=args.connections, token=token
                ).requests
            for r in range(rounds):
                for name in (ON, OFF) if r % 2 == 0 else (OFF, ON):
                    result = run_wrk(
                        servers[name].url + "/bench/ours",
                        duration=duration,
                        connections=args.connections,
                        token=token,
                        server_pids=workers[name],
                    )
                    sent[name] += result.requests
                    runs[name].append(result)
                    print(
                        f"round {r + 1} {name}: {result.requests_per_s:.0f} req/s,"
                        f" server {result.server_cpu_us:.0f} us/request",
                        file=sys.stderr,
                    )
            counted = {name: accepted_count(server.url) for name, server in servers.items()}

    print(f"metrics overhead: gunicorn {' '.join(GUNICORN_OPTIONS)}")
    print(f"  {rounds} round(s) of {duration:g} s, wrk {args.connections} connections, one bearer token (/bench/ours)")
    print(f"  {'variant':<34} {'req/s':>7} {'server us/req':>14}")
    for name, results in runs.items():
        best = max(result.requests_per_s for result in results)
        cpu = statistics.median(result.server_cpu_us for result in results)
        print(f"  {name:<34} {best:7.0f} {cpu:14.0f}")
    paired = statistics.median(
        on.requests_per_s / off.requests_per_s for on, off in zip(runs[ON], runs[OFF], strict=True)
    )
    best = max(r.requests_per_s for r in runs[ON]) / max(r.requests_per_s for r in runs[OFF])
    added = statistics.median(r.server_cpu_us for r in runs[ON]) - statistics.median(r.server_cpu_us for r in runs[OFF])
    print(
        f"ratio metrics on / off (one token): {paired:.2f} paired, {best:.2f} best (goal >= {GOAL:.2f});"
        f" {added:+.0f} us of server CPU per request"
    )
    # What each server counted: "on" at least every request wrk saw answered, "off" nothing.
    print(f"counted accepted tokens: on {counted[ON]:.0f} (wrk saw {sent[ON]} answered), off {counted[OFF]:.0f}")
    if counted[ON] < sent[ON] or counted[OFF] != 0:
        print("metrics overhead: FAILED: the variants did not count as configured", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
