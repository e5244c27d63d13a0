"""Scale-out: three gunicorn instances (standing in for hosts) behind one Redis and one PostgreSQL.

The embedded issuer is served by the cluster itself under one public base URL (instance A's,
as behind a load balancer). A client registered through one instance gets tokens from every
other; a token issued by one is accepted by all; the cluster fetches the issuer's key set
once, and once more after a key rotation. JWKS requests are counted in gunicorn's access logs.
"""

import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest
import requests

from tests.support.okta_apps import service_app_body

from .test_registration_flow import PASSWORD, staff_session

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
INSTANCES = 3
KEYS_PATH = "/oauth2/default/v1/keys"
# The user agent of the test's own requests for the key set (waiting for an instance to serve):
# the access logs tell them from the instances' fetches, which are what the test counts.
PROBE_AGENT = "ccproject-scale-out-test"
# How long the whole cluster may take to start: six workers loading Django on a shared host.
START_TIMEOUT = 120


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(check, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except (OSError, requests.RequestException):
            pass
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
def postgres_url():
    """A fresh database on the local PostgreSQL (skipped without one), dropped afterwards."""
    psycopg = pytest.importorskip("psycopg")
    configured = os.environ.get("DATABASE_URL", "")
    admin = configured if configured.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(admin)
    admin = urlunsplit(parts._replace(path="/postgres"))
    name = f"ccp_scaleout_{secrets.token_hex(4)}"
    try:
        with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {parts.hostname}:{parts.port}: {exc}")
    yield urlunsplit(parts._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True, connect_timeout=3) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url():
    """A private redis-server on a free port (never the shared one), stopped afterwards."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until(lambda: socket.create_connection(("127.0.0.1", port), timeout=1).close() is None, 10, "redis")
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


class Cluster:
    """gunicorn instances sharing one database and one cache, the first one's URL being public."""

    def __init__(self, workdir: Path, database_url: str, cache_url: str):
        self.workdir = workdir
        self.ports = [free_port() for _ in range(INSTANCES)]
        self.urls = [f"http://127.0.0.1:{port}" for port in self.ports]
        self.issuer = f"{self.urls[0]}/oauth2/default"
        self.env_file = workdir / ".env"
        self.env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.e2e.scaleout_settings",
            "ENV_FILE": str(self.env_file),
            "DATABASE_URL": database_url,
            "CACHE_URL": cache_url,
            # Production mode, as deployed, minus the https redirect (plain http on loopback).
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",
            "ISSUER": self.issuer,
            "AUTHSERVER_BASE_URL": self.urls[0],
            "LOG_LEVEL": "WARNING",
        }
        self.processes: list[subprocess.Popen] = []

    def manage(self, *args: str) -> str:
        done = subprocess.run(
            [sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def credentials(self) -> dict[str, str]:
        lines = (line.split("=", 1) for line in self.env_file.read_text().splitlines() if "=" in line)
        return {name.strip(): value.strip() for name, value in lines if not name.startswith("#")}

    def start(self) -> None:
        for i, port in enumerate(self.ports):
            command = [sys.executable, "-m", "gunicorn", "ccproject.wsgi:application", "-b", f"127.0.0.1:{port}"]
            # gthread: an instance may fetch the keys from the embedded issuer it serves itself.
            command += ["--workers", "2", "--worker-class", "gthread", "--threads", "2", "--no-control-socket"]
            command += ["--access-logfile", str(self.workdir / f"access-{i}.log"), "--timeout", "60"]
            log = (self.workdir / f"error-{i}.log").open("w")
            self.processes.append(subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=log))
        probe = {"User-Agent": PROBE_AGENT}
        for url in self.urls:
            wait_until(
                lambda url=url: requests.get(url + KEYS_PATH, headers=probe, timeout=2).ok,
                START_TIMEOUT,
                f"{url} to serve",
            )

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()

    def lines(self, pattern: str) -> list[str]:
        return [line for path in sorted(self.workdir.glob(pattern)) for line in path.read_text().splitlines()]

    def jwks_fetches(self) -> int:
        """The instances' own GETs of the JWKS in every access log (the test's probes left out)."""
        return sum(1 for line in self.lines("access-*.log") if f"GET {KEYS_PATH} " in line and PROBE_AGENT not in line)

    def assert_jwks_fetches(self, expected: int) -> None:
        """Exactly `expected` key-set fetches by the cluster so far.

        gunicorn logs a request after answering it, on the thread that answered: the fetching
        worker may have its keys while the line is not written yet. So the lines are waited for
        (bounded), then counted; an extra fetch is in the log by then as well.
        """
        wait_until(lambda: self.jwks_fetches() >= expected, 30, f"{expected} key-set fetch(es) in the access logs")
        # An extra fetch has a cause in the logs (a shared cache that failed, say): show it.
        warnings = [line for line in self.lines("error-*.log") if "WARNING" in line or "ERROR" in line]
        assert self.jwks_fetches() == expected, warnings[-20:]

    def token(self, url: str, client_id: str, secret: str) -> str:
        response = requests.post(
            f"{url}/oauth2/default/v1/token",
            data={"grant_type": "client_credentials", "scope": "hello:read"},
            auth=(client_id, secret),
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def hello_everywhere(self, token: str, times: int = 4) -> list[int]:
        """Call the API on every instance, several times so both workers of each are likely hit."""
        return [
            requests.get(url + "/", headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code
            for url in self.urls
            for _ in range(times)
        ]


@pytest.fixture
def cluster(tmp_path, postgres_url, redis_url):
    cluster = Cluster(tmp_path, postgres_url, redis_url)
    cluster.manage("migrate", "--no-input", "-v", "0")
    cluster.manage("bootstrap", "--env-file", str(cluster.env_file), "--base-url", cluster.urls[0])
    cluster.start()
    try:
        yield cluster
    finally:
        cluster.stop()


def test_a_cluster_shares_registrations_and_fetches_keys_once_per_rotation(cluster):
    creds = cluster.credentials()

    # A token issued by one instance is accepted by all; the key set is fetched once for all six workers.
    token = cluster.token(cluster.urls[1], creds["TEST_CLIENT_ID"], creds["TEST_CLIENT_SECRET"])
    assert cluster.hello_everywhere(token) == [200] * INSTANCES * 4
    cluster.assert_jwks_fetches(1)

    # A client registered through instance A (Okta's Apps API) gets tokens from B and C at once.
    app = requests.post(
        f"{cluster.urls[0]}/api/v1/apps",
        json=service_app_body("Scale-out client"),
        headers={"Authorization": f"SSWS {creds['TOKEN']}"},
        timeout=30,
    )
    assert app.status_code == 200, app.text
    oauth_client = app.json()["credentials"]["oauthClient"]
    for url in cluster.urls:
        registered = cluster.token(url, oauth_client["client_id"], oauth_client["client_secret"])
        assert cluster.hello_everywhere(registered, times=1) == [200] * INSTANCES
    cluster.assert_jwks_fetches(1)

    # A client registered through instance A's `registration` API (POST /register/, by a staff
    # session; the provider is the cluster's own Okta Apps API at ORG_URL) is listed by B and C,
    # and its credentials get tokens from every instance that every instance accepts.
    cluster.manage(
        "shell",
        "-c",
        "from django.contrib.auth import get_user_model; "
        f"get_user_model().objects.create_user('ops', 'ops@example.com', {PASSWORD!r}, is_staff=True)",
    )
    session = staff_session(cluster.urls[0])
    response = session.post(
        f"{cluster.urls[0]}/register/", json={"label": "Scale-out registered", "scopes": ["hello:read"]}, timeout=30
    )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["request_token_url"] == f"{cluster.issuer}/v1/token"
    for url in cluster.urls:
        listed = session.get(f"{url}/clients/", timeout=30)
        assert listed.status_code == 200, listed.text
        assert body["client_id"] in {client["client_id"] for client in listed.json()["results"]}
        detail = session.get(f"{url}/clients/{body['client_id']}/", timeout=30).json()
        assert (detail["status"], detail["scopes"]) == ("active", ["hello:read"])
        registered = cluster.token(url, body["client_id"], body["client_secret"])
        assert cluster.hello_everywhere(registered, times=1) == [200] * INSTANCES
    cluster.assert_jwks_fetches(1)

    # The issuer rotates its signing key; after the cooldown, one fetch serves the whole cluster.
    cluster.manage("shell", "-c", "from authserver.keys import create_signing_key; create_signing_key()")
    time.sleep(1.1)  # JWKS_REFRESH_COOLDOWN of the instances (tests/e2e/scaleout_settings.py)
    rotated = cluster.token(cluster.urls[2], creds["TEST_CLIENT_ID"], creds["TEST_CLIENT_SECRET"])
    assert rotated.split(".")[0] != token.split(".")[0]  # another kid in the header
    assert cluster.hello_everywhere(rotated) == [200] * INSTANCES * 4
    assert cluster.hello_everywhere(token, times=1) == [200] * INSTANCES  # the old key stays published
    cluster.assert_jwks_fetches(2)


def test_a_dpop_proof_used_on_one_instance_is_refused_on_another(cluster):
    """The replay store is the cluster's Redis: a proof accepted by B is a replay at C."""
    from ccproject.dpop_signer import DPoPKey

    creds = cluster.credentials()
    key = DPoPKey()
    issuer = cluster.urls[0]
    token_proof = key.proof("POST", f"{cluster.issuer}/v1/token")
    response = requests.post(
        f"{cluster.issuer}/v1/token",
        data={"grant_type": "client_credentials", "scope": "hello:read"},
        auth=(creds["TEST_CLIENT_ID"], creds["TEST_CLIENT_SECRET"]),
        headers={"DPoP": token_proof},
        timeout=30,
    )
    assert response.status_code == 200 and response.json()["token_type"] == "DPoP", response.text
    token = response.json()["access_token"]
    # Behind a load balancer every instance answers to the one public URL: A's, as the Host header says.
    public = {"Host": urlsplit(issuer).netloc, "Authorization": f"DPoP {token}"}
    proof = key.proof("GET", issuer + "/", access_token=token)
    b, c = cluster.urls[1], cluster.urls[2]
    assert requests.get(b + "/", headers={**public, "DPoP": proof}, timeout=30).status_code == 200
    replayed = requests.get(c + "/", headers={**public, "DPoP": proof}, timeout=30)
    assert replayed.status_code == 401 and replayed.json()["error"] == "invalid_dpop_proof", replayed.text
    fresh = key.proof("GET", issuer + "/", access_token=token)
    assert requests.get(c + "/", headers={**public, "DPoP": fresh}, timeout=30).status_code == 200
    # The token endpoint's proofs are remembered cluster-wide too (A took this one).
    again = requests.post(
        f"{c}/oauth2/default/v1/token",
        data={"grant_type": "client_credentials"},
        auth=(creds["TEST_CLIENT_ID"], creds["TEST_CLIENT_SECRET"]),
        headers={"DPoP": token_proof, "Host": urlsplit(issuer).netloc},
        timeout=30,
    )
    assert again.status_code == 400 and again.json()["error"] == "invalid_dpop_proof", again.text
    assert "used before" in again.json()["error_description"]
