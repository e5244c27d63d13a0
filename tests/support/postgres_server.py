"""A private PostgreSQL cluster on a free loopback port, for tests that stop and restart it.

Never the shared server: `initdb` into a directory of its own, `pg_ctl` on 127.0.0.1 and a port
of its own, password authentication over TCP (so a test can look for the password where it
must not be). PostgreSQL refuses to run as root; as root the cluster runs as the `postgres`
system user (`runuser`), in a directory that user owns.
"""

import atexit
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

from tests.support.redis_server import free_port

SYSTEM_USER = "postgres"


def bin_dir() -> Path | None:
    """The newest installed server's programs: Debian's /usr/lib/postgresql/N/bin, else the PATH."""
    installed = [path.parent for path in Path("/usr/lib/postgresql").glob("*/bin/pg_ctl")]
    installed.sort(key=lambda path: int(path.parent.name) if path.parent.name.isdigit() else 0)
    if installed:
        return installed[-1]
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def unavailable_reason() -> str | None:
    """Why a private cluster cannot run here, or None when it can."""
    if bin_dir() is None or not (bin_dir() / "initdb").exists():
        return "PostgreSQL's server programs (initdb, pg_ctl) are not installed"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            return f"running as root and there is no {SYSTEM_USER!r} user to run initdb as"
        if shutil.which("runuser") is None:
            return "running as root and runuser is not installed"
    return None


class PostgresServer:
    """`start()`, `stop()` (immediate by default: a crash, as clients see it), `restart()`, `cleanup()`.

    `cleanup()` always stops the cluster and removes its directory; it also runs at interpreter
    exit, so a test that dies between `start()` and its teardown leaves no server behind.
    """

    user = "ccp"
    database = "ccp"

    def __init__(self, port: int | None = None):
        self.port = port or free_port()
        self.password = secrets.token_urlsafe(24)
        self.dir = Path(tempfile.mkdtemp(prefix="ccp-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "postgres.log"
        self.bin = bin_dir()
        self._as_user: list[str] = []
        if os.geteuid() == 0:
            owner = pwd.getpwnam(SYSTEM_USER)
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self._as_user = ["runuser", "-u", SYSTEM_USER, "--"]
        self._initialized = False
        atexit.register(self.cleanup)

    @property
    def url(self) -> str:
        return f"postgres://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.database}"

    def _run(self, program: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self._as_user, str(self.bin / program), *args],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=self.dir,  # a directory the server's user may enter
        )

    def _initdb(self) -> None:
        password_file = self.dir / "password"
        password_file.write_text(self.password + "\n")
        if self._as_user:
            owner = pwd.getpwnam(SYSTEM_USER)
            os.chown(password_file, owner.pw_uid, owner.pw_gid)
        password_file.chmod(0o600)
        try:
            done = self._run(
                "initdb",
                "-D",
                str(self.data),
                "-U",
                self.user,
                f"--pwfile={password_file}",
                "--auth-host=scram-sha-256",
                "--auth-local=peer",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            )
        finally:
            password_file.unlink(missing_ok=True)
        if done.returncode != 0:
            raise RuntimeError(f"initdb failed: {done.stderr[-2000:]}")
        self._initialized = True

    def start(self, timeout: float = 60.0) -> "PostgresServer":
        if not self._initialized:
            self._initdb()
        options = f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"
        done = self._run(
            "pg_ctl", "start", "-D", str(self.data), "-l", str(self.log), "-w", "-t", str(int(timeout)), "-o", options
        )
        if done.returncode != 0:
            raise RuntimeError(f"pg_ctl start failed: {done.stderr[-1000:]} {self.log_tail()}")
        self._wait_accepting(timeout)
        if not self._database_exists():
            self._create_database()
        return self

    def _connect(self, database: str, timeout: float = 3):
        import psycopg

        return psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.user,
            password=self.password,
            dbname=database,
            connect_timeout=max(1, int(timeout)),
            autocommit=True,
        )

    def _wait_accepting(self, timeout: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with self._connect("postgres"):
                    return
            except psycopg.OperationalError:
                if time.monotonic() >= deadline:
                    raise RuntimeError(f"PostgreSQL on port {self.port} does not accept connections") from None
                time.sleep(0.1)

    def _database_exists(self) -> bool:
        with self._connect("postgres") as connection:
            return connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", (self.database,)).fetchone()

    def _create_database(self) -> None:
        with self._connect("postgres") as connection:
            connection.execute(f'CREATE DATABASE "{self.database}"')

    def running(self) -> bool:
        return self._initialized and self._run("pg_ctl", "status", "-D", str(self.data), timeout=30).returncode == 0

    def stop(self, mode: str = "immediate") -> None:
        """`immediate` ends every backend at once, as a crash does; `fast` is a clean shutdown."""
        if not self.running():
            return
        done = self._run("pg_ctl", "stop", "-D", str(self.data), "-m", mode, "-w", "-t", "60", timeout=90)
        if done.returncode != 0 and self.running():
            self._kill_postmaster()

    def _kill_postmaster(self) -> None:
        try:
            pid = int((self.data / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and Path(f"/proc/{pid}").exists():
            time.sleep(0.05)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self) -> str:
        try:
            return self.log.read_text()[-2000:]
        except OSError:
            return ""

    def cleanup(self) -> None:
        try:
            self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)
            atexit.unregister(self.cleanup)


def start_private_postgres() -> PostgresServer:
    """A started private cluster; without one a test skips, and fails under CI."""
    import pytest

    reason = unavailable_reason()
    if reason is not None:
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(f"a private PostgreSQL cluster is required under CI: {reason}")
        pytest.skip(reason)
    server = PostgresServer()
    try:
        return server.start()
    except Exception:
        server.cleanup()
        raise
