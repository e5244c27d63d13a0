"""Readiness under real outages, over real HTTP: gunicorn with two workers, its dependencies taken away.

Each dependency is a process of the test's own: a private PostgreSQL cluster (stopped at once, as
in a crash), a private Redis (killed) and a key server on loopback (closed before any key is
known). In each scenario `/readyz` answers 200, then 503 naming the failing check and nothing of
where it lives or how to log in, while `/livez` stays 200, then 200 again once the dependency is
back, without restarting gunicorn. Probes go out in concurrent bursts, so every thread of both
workers answers; each answer is traced to its worker in the access log, and a state counts as
seen only when both workers have shown it.
"""

import re
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import requests

from tests.support.deployment import Deployment
from tests.support.keyserver import KeyServer
from tests.support.postgres_server import start_private_postgres
from tests.support.readiness import assert_not_ready, assert_ready
from tests.support.redis_server import start_private_redis

pytestmark = pytest.mark.e2e

WORKERS = 2
THREADS = 4
# Concurrent probes in a burst: one for every thread of every worker.
BURST = WORKERS * THREADS
# How long a state may take to show on both workers (a loaded host starts a worker slowly).
DEADLINE = 60.0
# The worker's pid in each access-log line, and the probe's tag in its query.
ACCESS_LOG_FORMAT = '%(p)s "%(r)s" %(s)s'
ACCESS_LINE = re.compile(r'^<(\d+)> "GET /[a-z]+\?probe=(\d+) ')


class Prober:
    """Probes over real HTTP, each tagged (`?probe=N`) so that its access-log line names its worker."""

    def __init__(self, deployment: Deployment, access_log: Path):
        self.deployment = deployment
        self.access_log = access_log
        self._count = 0
        self._lock = threading.Lock()

    def get(self, path: str) -> tuple[int, requests.Response]:
        with self._lock:
            self._count += 1
            tag = self._count
        return tag, requests.get(f"{self.deployment.base}{path}?probe={tag}", timeout=30)

    def burst(self, path: str) -> list[tuple[int, requests.Response]]:
        with ThreadPoolExecutor(BURST) as pool:
            return list(pool.map(lambda _: self.get(path), range(BURST)))

    def workers(self, tags: list[int]) -> set[int]:
        """The pids that answered these probes (gunicorn logs a request after answering it: wait for the lines)."""
        deadline = time.monotonic() + DEADLINE
        while True:
            answered = {}
            for line in self.access_log.read_text().splitlines():
                match = ACCESS_LINE.match(line)
                if match:
                    answered[int(match[2])] = int(match[1])
            missing = [tag for tag in tags if tag not in answered]
            if not missing:
                pids = {answered[tag] for tag in tags}
                assert pids <= set(self.deployment.worker_pids()), (pids, self.deployment.worker_pids())
                return pids
            assert time.monotonic() < deadline, f"probes {missing} never reached the access log"
            time.sleep(0.05)

    def steady(self, path: str, check) -> set[int]:
        """Bursts until both workers have answered; `check` holds for every answer of every burst."""
        deadline = time.monotonic() + DEADLINE
        seen: set[int] = set()
        while len(seen) < WORKERS:
            assert time.monotonic() < deadline, f"only worker(s) {seen} answered {path} in {DEADLINE} s"
            answers = self.burst(path)
            for _, response in answers:
                check(response)
            seen |= self.workers([tag for tag, _ in answers])
        return seen

    def until(self, path: str, status: int) -> None:
        """One probe at a time until one answers `status`: a recovery that takes a moment (bounded)."""
        deadline = time.monotonic() + DEADLINE
        while True:
            _, response = self.get(path)
            if response.status_code == status:
                return
            assert time.monotonic() < deadline, f"{path} still {response.status_code} after {DEADLINE} s"
            time.sleep(0.2)


def assert_live(response) -> None:
    assert response.status_code == 200, (response.status_code, response.content)
    assert response.json() == {"status": "ok"}


@dataclass
class Service:
    """gunicorn and what it depends on; `hidden` (secrets) must never show in a probe's body or the logs."""

    deployment: Deployment
    prober: Prober
    hidden: list[str]
    addresses: list[str] = field(default_factory=list)

    def assert_not_ready(self, *failing: str):
        def check(response) -> None:
            assert_not_ready(response, *failing)
            for value in (*self.hidden, *self.addresses, "127.0.0.1", "http"):
                assert value not in response.text, f"{value!r} in {response.text}"

        return check

    def assert_no_secret_logged(self) -> None:
        for log in (self.deployment.log, self.prober.access_log):
            text = log.read_text()
            for value in self.hidden:
                assert value not in text, f"a secret in {log.name}"

    def outage(self, take_away, bring_back, *failing: str) -> None:
        """Ready on both workers; `take_away()`: not ready, naming `failing`, yet live; `bring_back()`: ready."""
        # The first probe fetches the keys; a probe never waits for a peer's fetch, so concurrent
        # ones may answer 503 until then.
        self.prober.until("/readyz", 200)
        self.prober.steady("/readyz", assert_ready)
        take_away()
        try:
            self.prober.steady("/readyz", self.assert_not_ready(*failing))
            self.prober.steady("/livez", assert_live)
        finally:
            bring_back()
        self.prober.until("/readyz", 200)
        # Once one probe is ready, all are: no worker or thread holds on to a dead connection.
        self.prober.steady("/readyz", assert_ready)
        self.prober.steady("/livez", assert_live)
        self.assert_no_secret_logged()


# Where the service keeps its data and its shared cache (the key sets, the fetch slots).
BACKINGS = {
    "sqlite+dbcache": (False, False),  # the embedded defaults
    "postgres+redis": (True, True),  # production's
    "postgres+dbcache": (True, False),
}


@pytest.fixture(scope="module")
def postgres():
    server = start_private_postgres()
    yield server
    server.cleanup()


@pytest.fixture(scope="module")
def redis():
    server = start_private_redis(password=secrets.token_urlsafe(24))
    yield server
    server.cleanup()


@pytest.fixture
def keyserver(jwks):
    """The trusted issuer's key server; listening, so that its port is known and stays its own."""
    server = KeyServer(jwks).up()
    yield server
    server.down()


def start_service(request, tmp_path: Path, keyserver: KeyServer, backing: str, conn_max_age: int = 0) -> Service:
    on_postgres, on_redis = BACKINGS[backing]
    secret_key = secrets.token_urlsafe(50)
    env = {
        "SECRET_KEY": secret_key,
        "ISSUER": keyserver.url.removesuffix("/keys"),
        "JWKS_URI": keyserver.url,
        "GUNICORN_ACCESSLOG": str(tmp_path / "access.log"),
    }
    hidden, addresses, database_url = [secret_key], [str(keyserver.port)], None
    if on_postgres:
        postgres = request.getfixturevalue("postgres")
        database_url = postgres.url + (f"?conn_max_age={conn_max_age}" if conn_max_age else "")
        hidden.append(postgres.password)
        addresses += [str(postgres.port), "postgres"]
    if on_redis:
        redis = request.getfixturevalue("redis")
        env["CACHE_URL"] = redis.url
        hidden.append(redis.password)
        addresses += [str(redis.port), "redis"]
    deployment = Deployment(
        tmp_path,
        workers=WORKERS,
        threads=THREADS,
        database_url=database_url,
        settings_module="tests.reliability.readiness_settings",
        env=env,
        gunicorn_args=("--access-logformat", ACCESS_LOG_FORMAT),
    )
    deployment.prepare(bootstrap=False)
    request.addfinalizer(deployment.stop)
    deployment.start(ready_path="/livez")
    return Service(deployment, Prober(deployment, tmp_path / "access.log"), hidden, addresses)


@pytest.mark.parametrize("backing", ["sqlite+dbcache", "postgres+redis"])
def test_issuer_down_before_any_key_then_back(request, tmp_path, keyserver, backing):
    keyserver.down()  # before the service has ever seen a key
    service = start_service(request, tmp_path, keyserver, backing)
    service.prober.steady("/readyz", service.assert_not_ready("keys"))
    service.prober.steady("/livez", assert_live)

    keyserver.up()  # on the same port: the issuer is back
    # Within the cooldown window of the last failed fetch nobody fetches; in the next one a probe does.
    service.prober.until("/readyz", 200)
    service.prober.steady("/readyz", assert_ready)
    # One fetch served every thread of both workers: the others took the keys from the shared cache.
    assert keyserver.requests == ["/keys"]
    service.assert_no_secret_logged()


def test_redis_gone_then_back(request, tmp_path, keyserver, redis):
    service = start_service(request, tmp_path, keyserver, "postgres+redis")

    def bring_back() -> None:
        if redis.process is None:
            redis.start()

    # The keys each worker holds still check tokens; only the cache itself is reported.
    service.outage(redis.stop, bring_back, "cache")
    assert keyserver.requests == ["/keys"]


@pytest.mark.parametrize(
    ("backing", "conn_max_age", "failing"),
    [
        # A connection per request (Django's default); the shared cache in Redis stays up.
        ("postgres+redis", 0, ("database",)),
        # Persistent connections, and the shared cache in the database: it goes with it.
        ("postgres+dbcache", 600, ("database", "cache")),
    ],
)
def test_database_gone_then_back(request, tmp_path, keyserver, postgres, backing, conn_max_age, failing):
    service = start_service(request, tmp_path, keyserver, backing, conn_max_age)

    def bring_back() -> None:
        if not postgres.running():
            postgres.start()

    service.outage(postgres.stop, bring_back, *failing)
    # The workers kept the keys they had: the issuer was not asked again.
    assert keyserver.requests == ["/keys"]


@pytest.mark.parametrize("backing", ["postgres+redis", "postgres+dbcache"])
def test_persistent_connections_survive_a_database_restart(request, tmp_path, keyserver, postgres, backing):
    """PostgreSQL restarts between two probes: the threads' kept connections are dead, none may fail a request."""
    service = start_service(request, tmp_path, keyserver, backing, conn_max_age=600)
    service.prober.until("/readyz", 200)
    # Every thread of both workers answers, so each holds a connection of its own.
    service.prober.steady("/readyz", assert_ready)
    postgres.restart()
    # From the first probe on: a dead connection is found out and replaced before it is used.
    service.prober.steady("/readyz", assert_ready)
    service.assert_no_secret_logged()
