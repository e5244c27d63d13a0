"""A private redis-server on a free loopback port, for tests that stop and restart it."""

import os
import shutil
import socket
import subprocess
import tempfile
import time


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """`start()`, `stop()` (SIGKILL: an abrupt loss, as a crash or a network cut) and `start()` again.

    Never the shared Redis: a process of its own, bound to 127.0.0.1, no persistence; with a
    `password`, clients must authenticate (it is in `url`).
    """

    def __init__(self, port: int | None = None, password: str | None = None):
        self.port = port or free_port()
        self.password = password
        self.dir = tempfile.mkdtemp(prefix="ccp-redis-")
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        credentials = f":{self.password}@" if self.password else ""
        return f"redis://{credentials}127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> "RedisServer":
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--bind",
                "127.0.0.1",
                "--port",
                str(self.port),
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                self.dir,
                *(["--requirepass", self.password] if self.password else []),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2) as sock:
                    sock.sendall(b"PING\r\n")
                    # Up: it answers, if only to say that a password is needed first.
                    if sock.recv(16).startswith((b"+PONG", b"-NOAUTH")):
                        return self
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not start on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)
            self.process = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def redis_cache(url: str, db: int) -> dict:
    """A Django CACHES entry for database `db` of the server at `url`; a dead Redis costs milliseconds."""
    return {
        "BACKEND": "ccproject.redis_cache.RedisCache",
        "LOCATION": url.rsplit("/", 1)[0] + f"/{db}",
        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5},
    }


def start_private_redis(password: str | None = None) -> RedisServer:
    """A started private server; a test without redis-server skips, and fails under CI (.ci/run installs it)."""
    import pytest

    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed (CI installs it in .ci/run)")
        pytest.skip("redis-server is not installed")
    return RedisServer(password=password).start()
