"""A throwaway deployment (soak, gunicorn tests): its own SQLite, `.env`, bootstrap and gunicorn on loopback."""

import contextlib
import os
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
# Variables of the caller that must not leak into the throwaway deployment.
SCRUBBED = ("DATABASE_URL", "CACHE_URL", "THROTTLE_CACHE_URL", "ISSUER", "JWKS_URI", "DEBUG", "DJANGO_ENV", "TOKEN")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def read_env_file(path: Path) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


class Deployment:
    """`prepare()` migrates and bootstraps, `start()` runs gunicorn, `stop()` ends it (always call it)."""

    def __init__(
        self,
        directory: Path,
        *,
        workers: int = 2,
        threads: int = 4,
        database_url: str | None = None,
        settings_module: str = "ccproject.settings",
        env: dict[str, str] | None = None,
        gunicorn_args: tuple[str, ...] = (),
    ):
        self.dir = directory
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.issuer = f"{self.base}/oauth2/default"
        self.env_file = directory / ".env"
        self.db = directory / "db.sqlite3"
        self.database_url = database_url or f"sqlite:///{self.db}"
        self.settings_module = settings_module
        self.extra_env = env or {}
        # Command-line options that override deploy/gunicorn.conf.py (e.g. an access log format).
        self.gunicorn_args = gunicorn_args
        self.log = directory / "gunicorn.log"
        self.workers, self.threads = workers, threads
        self.process: subprocess.Popen | None = None
        self.credentials: dict[str, str] = {}

    def environment(self, *, production: bool) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in SCRUBBED}
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": self.settings_module,
                "ENV_FILE": str(self.env_file),
                "DATABASE_URL": self.database_url,
                "ISSUER": self.issuer,
                "ALLOWED_HOSTS": "127.0.0.1,localhost",
                # Counted, never limiting: the soak measures the service, not the throttle.
                "API_THROTTLE_RATE": "100000000/min",
                "LOG_LEVEL": "WARNING",
            }
        )
        if production:
            env.update(
                {
                    "DJANGO_ENV": "production",
                    "SECRET_KEY": secrets.token_urlsafe(50),
                    "SECURE_SSL_REDIRECT": "false",  # loopback http stands in for the TLS proxy
                    "GUNICORN_BIND": f"127.0.0.1:{self.port}",
                    "GUNICORN_WORKERS": str(self.workers),
                    "GUNICORN_THREADS": str(self.threads),
                    "GUNICORN_ACCESSLOG": "",
                }
            )
        else:
            env["DEBUG"] = "true"
        env.update(self.extra_env)
        return env

    def manage(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.environment(production=False),
            check=True,
            capture_output=True,
            timeout=300,
        )

    def prepare(self, *, bootstrap: bool = True) -> None:
        """Migrate and make the cache table; `bootstrap` adds the embedded issuer's key and clients."""
        self.env_file.touch(mode=0o600)
        self.manage("migrate", "--no-input")
        self.manage("createcachetable")
        if bootstrap:
            self.manage("bootstrap", "--env-file", str(self.env_file), "--base-url", self.base)
        self.credentials = read_env_file(self.env_file)

    def start(self, timeout: float = 60.0, ready_path: str | None = None) -> None:
        """Run gunicorn until `ready_path` (default: the issuer's key set) answers without a 5xx."""
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "-c",
                    "deploy/gunicorn.conf.py",
                    *self.gunicorn_args,
                    "ccproject.wsgi",
                ],
                cwd=ROOT,
                env=self.environment(production=True),
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {self.log.read_text()[-2000:]}")
            try:
                if ready_path is None:
                    if requests.get(f"{self.issuer}/v1/keys", timeout=2).status_code == 200:
                        return
                elif requests.get(f"{self.base}{ready_path}", timeout=2).status_code < 500:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not become ready")

    def worker_pids(self) -> list[int]:
        """The gunicorn workers: the master's children (Linux /proc)."""
        if self.process is None:
            return []
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        try:
            return sorted(int(pid) for pid in path.read_text().split())
        except OSError:
            return []

    def signing_key(self) -> tuple[str, str]:
        """The embedded issuer's current (kid, PEM), to mint expired tokens with a real signature."""
        with sqlite3.connect(self.db) as db:
            kid, pem = db.execute(
                "SELECT kid, private_key_pem FROM authserver_signingkey "
                "WHERE deactivated_at IS NULL AND retired_at IS NULL ORDER BY created_at DESC LIMIT 1"
            ).fetchone()
        return kid, pem

    def query(self, sql: str) -> list[dict]:
        """Rows of the deployment's SQLite database as dicts (read only)."""
        with sqlite3.connect(f"file:{self.db}?mode=ro", uri=True) as db:
            db.row_factory = sqlite3.Row
            return [dict(row) for row in db.execute(sql)]

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


@contextlib.contextmanager
def runserver(env: dict[str, str], stdout: Path, stderr: Path | None = None, timeout: float = 120.0):
    """`manage.py runserver` on a free loopback port, yielding its base URL once `/livez` answers; stopped after.

    Its output goes to `stdout` (and its logs to `stderr` when given, else to `stdout` as well). The first
    request loads the whole URL map, which takes seconds on a loaded host: the wait gives each try
    10 seconds and takes any failure to answer, a timeout included, as "not yet".
    """
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with stdout.open("w") as out, stderr.open("w") if stderr else contextlib.nullcontext() as err:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=ROOT,
            env={**env, "PYTHONUNBUFFERED": "1"},
            stdout=out,
            stderr=err if stderr else subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                requests.get(f"{base}/livez", timeout=10)
                break
            except requests.RequestException:
                assert server.poll() is None, f"runserver exited: {stdout.read_text()[-2000:]}"
                assert time.monotonic() < deadline, "runserver did not answer"
                time.sleep(0.2)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


def rss_bytes(pid: int) -> int | None:
    """Resident set size of a process (Linux /proc), None once it is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None
