"""A bounded soak on gunicorn: mixed traffic, zero 5xx, flat memory, every registration accounted for.

    python -m tests.soak.soak                # 2 minutes
    python -m tests.soak.soak --quick        # 20 seconds (what the test suite runs)

Traffic, from `--concurrency` threads: valid tokens (fetched from the embedded issuer as it
goes), expired tokens (really signed), forged tokens (another key, an unknown `kid`), garbage
headers, registrations through the registration API (`POST /register/`, bearer token with
`clients:register`), hostile registrations, and token requests with the new clients' credentials.
At the end every 201 is matched to exactly one active row and one app at the provider (the
deployment's own Okta Apps API), with nothing extra on either side. Exit status 1 when any check fails.
"""

import argparse
import itertools
import json
import random
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import jwt
import requests
from cryptography.hazmat.primitives.asymmetric import rsa

from tests.soak.registrations import Registrations
from tests.support.deployment import Deployment, rss_bytes

# Each thread cycles through this mix; the weights are the counts.
MIX = (
    ["valid"] * 10
    + ["expired"] * 2
    + ["forged"] * 2
    + ["unknown_kid", "garbage", "token", "register", "hostile_register", "client_token"]
)
EXPECTED = {
    "valid": {200},
    "expired": {401},
    "forged": {401},
    "unknown_kid": {401},
    "garbage": {400, 401},
    "token": {200},
    "register": {201},  # a 429 too is unexpected: the soak sets the throttle rate out of reach
    "hostile_register": {400, 403},
    "client_token": {200},
}
WARM_UP = 0.3  # the first 30 % of the run is warm-up
MAX_RSS_GROWTH = 32 * 1024 * 1024  # per worker, after warm-up: generous, a leak still shows
# Registrations are throttled per registrar; the soak measures the service, not the throttle.
REGISTRATION_THROTTLE_RATE = "100000000/min"


@dataclass
class SoakResult:
    duration: float
    requests: int = 0
    by_kind: dict = field(default_factory=dict)
    unexpected: list = field(default_factory=list)
    server_errors: int = 0
    rss: dict = field(default_factory=dict)
    worker_pids_stable: bool = True
    registered: int = 0  # 201s from POST /register/
    rows: int = 0  # RegisteredClient rows at the end
    provider_apps: int = 0  # apps the provider gained
    failures: list = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures


class Traffic:
    """The mixed load: per-kind counters and every unexpected answer, shared by the threads."""

    def __init__(self, deployment: Deployment):
        self.d = deployment
        self.lock = threading.Lock()
        self.statuses: dict[str, Counter] = {kind: Counter() for kind in EXPECTED}
        self.unexpected: list[tuple[str, object]] = []
        self.registrations = Registrations(deployment)
        kid, pem = deployment.signing_key()
        self.kid = kid
        now = int(time.time())
        claims = {"iss": deployment.issuer, "aud": "api://default", "cid": "soak", "scp": ["hello:read"]}
        self.expired = jwt.encode(
            {**claims, "iat": now - 7200, "exp": now - 3600}, pem, algorithm="RS256", headers={"kid": kid}
        )
        other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        live = {**claims, "iat": now, "exp": now + 3600}
        self.forged = jwt.encode(live, other, algorithm="RS256", headers={"kid": kid})
        self.unknown_kid = jwt.encode(live, other, algorithm="RS256", headers={"kid": "soak-unknown"})

    def record(self, kind: str, status: object) -> None:
        with self.lock:
            self.statuses[kind][status] += 1
            if status not in EXPECTED[kind]:
                self.unexpected.append((kind, status))

    def fetch_token(self, session: requests.Session) -> tuple[int, str | None]:
        response = session.post(
            f"{self.d.issuer}/v1/token",
            data={"grant_type": "client_credentials", "scope": "hello:read"},
            auth=(self.d.credentials["TEST_CLIENT_ID"], self.d.credentials["TEST_CLIENT_SECRET"]),
            timeout=30,
        )
        return response.status_code, response.json().get("access_token") if response.status_code == 200 else None

    def run(self, stop: threading.Event, seed: int) -> None:
        rng = random.Random(seed)
        mix = MIX[:]
        rng.shuffle(mix)
        with requests.Session() as session:
            _, token = self.fetch_token(session)
            for kind in itertools.cycle(mix):
                if stop.is_set():
                    return
                try:
                    status = self.step(session, kind, token, rng)
                    if kind == "token" and isinstance(status, tuple):
                        status, token = status[0], status[1] or token
                except requests.RequestException as exc:
                    status = type(exc).__name__
                if status is not None:  # None: no request made
                    self.record(kind, status)

    def step(self, session: requests.Session, kind: str, token: str | None, rng: random.Random):
        api = self.d.base + "/"
        if kind == "token":
            return self.fetch_token(session)
        if kind == "register":
            return self.registrations.register(session, rng)
        if kind == "hostile_register":
            return self.registrations.hostile(session, rng)
        if kind == "client_token":
            return self.registrations.client_token(session, rng)
        header = {
            "valid": f"Bearer {token}",
            "expired": f"Bearer {self.expired}",
            "forged": f"Bearer {self.forged}",
            "unknown_kid": f"Bearer {self.unknown_kid}",
            "garbage": "Bearer " + "".join(rng.choice("ab.-_~+/= ") for _ in range(rng.randint(1, 64))),
        }[kind]
        return session.get(api, headers={"Authorization": header}, timeout=30).status_code


def sample_memory(deployment: Deployment, stop: threading.Event, samples: list) -> None:
    while not stop.wait(0.5):
        pids = deployment.worker_pids()
        samples.append((time.monotonic(), {pid: rss_bytes(pid) for pid in pids}))


def analyse_memory(samples: list, started: float, duration: float, result: SoakResult) -> None:
    warm = started + WARM_UP * duration
    pid_sets = {tuple(sorted(pids)) for _, pids in samples}
    result.worker_pids_stable = len(pid_sets) == 1
    if not result.worker_pids_stable:
        result.failures.append(f"gunicorn workers changed during the run (crash or restart): {sorted(pid_sets)}")
    after = [(t, pids) for t, pids in samples if t >= warm]
    if len(after) < 4:
        result.failures.append("too few memory samples after warm-up")
        return
    head, tail = after[: max(2, len(after) // 5)], after[-max(2, len(after) // 5) :]
    for pid in after[0][1]:
        baseline = max(s[pid] or 0 for _, s in head if pid in s)
        final = max(s[pid] or 0 for _, s in tail if pid in s)
        result.rss[pid] = {"after_warm_up": baseline, "end": final, "growth": final - baseline}
        if final - baseline > MAX_RSS_GROWTH:
            result.failures.append(f"worker {pid} grew by {(final - baseline) // 1024} KiB after warm-up")


def run_soak(duration: float = 120.0, *, concurrency: int = 4, workers: int = 2, threads: int = 4) -> SoakResult:
    result = SoakResult(duration=duration)
    with tempfile.TemporaryDirectory(prefix="ccp-soak-") as tmp:
        deployment = Deployment(
            Path(tmp), workers=workers, threads=threads, env={"REGISTRATION_THROTTLE_RATE": REGISTRATION_THROTTLE_RATE}
        )
        deployment.prepare()
        try:
            # Traffic starts once /readyz says the keys are usable, as a load balancer's readiness
            # gate would: the soak is about the steady state, not a cold pod's first second.
            deployment.start(ready_path="/readyz")
            traffic = Traffic(deployment)
            stop, samples = threading.Event(), []
            started = time.monotonic()
            sampler = threading.Thread(target=sample_memory, args=(deployment, stop, samples))
            clients = [threading.Thread(target=traffic.run, args=(stop, seed)) for seed in range(concurrency)]
            for thread in [sampler, *clients]:
                thread.start()
            stop.wait(duration)
            stop.set()
            for thread in [sampler, *clients]:
                thread.join(timeout=60)
            analyse_memory(samples, started, duration, result)
            account = traffic.registrations.account()
            if deployment.process.poll() is not None:
                result.failures.append("gunicorn died during the run")
        finally:
            deployment.stop()
            server_log = deployment.log.read_text() if deployment.log.exists() else ""
    result.by_kind = {kind: dict(counter) for kind, counter in traffic.statuses.items()}
    result.requests = sum(sum(counter.values()) for counter in traffic.statuses.values())
    result.server_errors = sum(
        n
        for counter in traffic.statuses.values()
        for status, n in counter.items()
        if isinstance(status, int) and status >= 500
    )
    result.unexpected = [f"{kind}: {status}" for kind, status in traffic.unexpected[:20]]
    result.registered = traffic.statuses["register"][201]
    result.rows, result.provider_apps = len(account.rows), len(account.new_apps)
    if result.server_errors:
        result.failures.append(f"{result.server_errors} responses were 5xx")
    if traffic.unexpected:
        result.failures.append(f"{len(traffic.unexpected)} unexpected answers, e.g. {result.unexpected[:5]}")
    result.failures += [f"registrations unaccounted for: {failure}" for failure in account.failures()]
    for kind, counter in traffic.statuses.items():
        if not counter:
            result.failures.append(f"no {kind} request was made")
    if result.failures and server_log:
        result.failures.append(server_log_excerpt(server_log))
    return result


def server_log_excerpt(log: str, *, most: int = 20) -> str:
    """What explains a failure: the server's errors (the 5xx and why), then the log's last lines.

    A tail alone shows the 4xx warnings of the last second, not the cause of a 503 minutes earlier.
    """
    lines = log.splitlines()
    errors = [line for line in lines if " ERROR " in line or " CRITICAL " in line or "Service Unavailable" in line]
    return "\n".join(
        [f"server errors ({len(errors)}, first {most}):", *errors[:most], "server log tail:", *lines[-15:]]
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=120.0, help="seconds of traffic (default 120)")
    parser.add_argument("--quick", action="store_true", help="20 seconds, as the test suite runs it")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args(argv)
    duration = 20.0 if args.quick else args.duration
    result = run_soak(duration, concurrency=args.concurrency, workers=args.workers, threads=args.threads)
    report = {k: v for k, v in vars(result).items()}
    report["requests_per_second"] = round(result.requests / duration, 1)
    print(json.dumps(report, indent=2, default=str))
    print("soak: OK" if result.ok else "soak: FAILED")
    return 0 if result.ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
