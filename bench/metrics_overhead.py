"""Metrics overhead: the one-token hello rate with metrics on, as a ratio to metrics off in the same run.

Run: `.venv/bin/python -m bench.metrics_overhead [--quick]` (needs wrk). Two gunicorns with the
throughput benchmark's options (`harness.GUNICORN_OPTIONS`) serve the hello endpoint side by side,
trusting one embedded issuer: "on" counts as production does, every event written to its worker's
file in `PROMETHEUS_MULTIPROC_DIR`; "off" has every event of `ccproject.metrics` replaced by a
function that does nothing (`BENCH_METRICS=off`, applied by bench/gunicorn_conf.py in each
worker). Per round wrk drives each with one bearer token, the order alternating; prints req/s and
server CPU per request of each, and the median of the rounds' paired ratios on / off.

`--instructions` counts instead, with valgrind's cachegrind (as `bench.instructions`, which the
host's load does not move): a child process serves N bearer requests with one token through
Django's WSGI handler (every middleware, DRF, the authentication, the view), with metrics on
(multiprocess files) and off, each minus a child that serves none.
"""

import argparse
import io
import os
import statistics
import sys
import tempfile
from pathlib import Path

import requests

from .cachegrind import count
from .harness import GUNICORN_OPTIONS, UNREACHED_THROTTLE_RATE, Gunicorn, free_port, run_wrk
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
# Requests every instruction-counting child serves before the counted ones.
WARM_REQUESTS = 50


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


def child(variant: str, calls: int, key_file: Path) -> int:
    """Serve `calls` bearer requests in process, metrics `on` or `off`, after the same warm-up; how many."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    fixed = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    rsa.generate_private_key = lambda **_: fixed  # the same key in every child: key generation varies
    os.environ["API_THROTTLE_RATE"] = UNREACHED_THROTTLE_RATE
    from bench.keyserver import KeyServer
    from bench.micro import setup_django

    with tempfile.TemporaryDirectory(prefix="ccp-bench-") as workdir, KeyServer() as issuer:
        if variant == "on":  # before prometheus_client is first imported: it picks its mode then
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = workdir
        setup_django(issuer)
        if variant == "off":
            disable_metrics()
        from django.core.handlers.wsgi import WSGIHandler

        handler, token = WSGIHandler(), issuer.mint()

        def serve() -> None:
            status = []
            environ = {
                "REQUEST_METHOD": "GET",
                "PATH_INFO": "/bench/ours",
                "QUERY_STRING": "",
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "8000",
                "HTTP_HOST": "127.0.0.1:8000",
                "REMOTE_ADDR": "127.0.0.1",
                "HTTP_AUTHORIZATION": f"Bearer {token}",
                "wsgi.input": io.BytesIO(),
                "wsgi.errors": sys.stderr,
                "wsgi.url_scheme": "http",
            }
            response = handler(environ, lambda line, headers: status.append(line))
            b"".join(response)
            response.close()
            if status != ["200 OK"]:
                raise RuntimeError(f"the hello request answered {status}")

        for _ in range(WARM_REQUESTS):  # keys, the token cache, every code path
            serve()
        for _ in range(calls):
            serve()
        from ccproject import metrics

        accepted = [
            sample.value
            for family in metrics.TOKEN_VALIDATIONS.collect()
            for sample in family.samples
            if sample.labels == {"outcome": "accepted", "reason": "none"} and sample.name.endswith("_total")
        ]
        expected = WARM_REQUESTS + calls if variant == "on" else 0
        if accepted != [expected]:
            raise RuntimeError(f"metrics {variant}: {accepted} accepted tokens counted, not {expected}")
    return calls


def count_instructions(calls: int) -> int:
    per_request = {}
    with tempfile.TemporaryDirectory(prefix="ccp-bench-") as tmp:
        key_file = write_key(Path(tmp) / "key.pem")
        for variant in ("on", "off"):
            print(f"counting: metrics {variant}...", file=sys.stderr)
            counted, none = (count("bench.metrics_overhead", variant, n, key_file) for n in (calls, 0))
            per_request[variant] = (counted - none) / calls
    print(f"metrics overhead in instructions (cachegrind): {calls} bearer requests in process, one token")
    print(f"  instructions per request, metrics on  (multiprocess files): {per_request['on']:10,.0f}")
    print(f"  instructions per request, metrics off (no-op events):       {per_request['off']:10,.0f}")
    print(
        f"ratio metrics on / off in requests per instruction: {per_request['off'] / per_request['on']:.3f}"
        f" (goal >= {GOAL:.2f}); {per_request['on'] - per_request['off']:+,.0f} instructions per request"
    )
    return 0


def write_key(path: Path) -> Path:
    """A new RSA-2048 key in PEM at `path`, for every child to sign with."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.write_bytes(pem)
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short runs: checks the harness, not the numbers")
    parser.add_argument("--instructions", action="store_true", help="count instructions with cachegrind instead")
    parser.add_argument("--calls", type=int, help="requests per counted child (--instructions; default 300)")
    parser.add_argument("--child", choices=("on", "off"), help=argparse.SUPPRESS)
    parser.add_argument("--key", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--duration", type=float, help="seconds per measured run")
    parser.add_argument("--rounds", type=int, help="rounds of both variants, the order alternating")
    parser.add_argument("--connections", type=int, default=4, help="wrk connections, 1-4 (as bench.throughput)")
    args = parser.parse_args(argv)
    calls = args.calls if args.calls is not None else (20 if args.quick else 300)
    if args.child:
        if args.key is None:
            with tempfile.TemporaryDirectory(prefix="ccp-bench-") as tmp:
                calls = child(args.child, calls, write_key(Path(tmp) / "key.pem"))
        else:
            calls = child(args.child, calls, args.key)
        print(f"{calls} requests, metrics {args.child}")
        return 0
    if args.instructions:
        return count_instructions(calls)
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
