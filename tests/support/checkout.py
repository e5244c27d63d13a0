"""A newcomer's copy of the project: `make` targets and the docs' shell blocks, run as written.

The copy is a temporary directory holding links to `manage.py` and the requirements, and a
`.venv` that is the running interpreter's environment (so `make` installs nothing). Its `.env`,
SQLite database and `var/` are its own; the caller's project settings do not leak in.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from .deployment import free_port

ROOT = Path(__file__).resolve().parents[2]
# Settings of the caller that a newcomer's shell would not have.
SCRUBBED = (
    "DATABASE_URL",
    "CACHE_URL",
    "THROTTLE_CACHE_URL",
    "ISSUER",
    "AUDIENCE",
    "JWKS_URI",
    "TOKEN_ENDPOINT",
    "TOKEN",
    "ORG_URL",
    "API_URL",
    "TEST_CLIENT_ID",
    "TEST_CLIENT_SECRET",
    "DEFAULT_SCOPE",
    "TOKEN_AUDIENCE",
    "TOKEN_RESOURCE",
    "DEBUG",
    "DJANGO_ENV",
    "DJANGO_SETTINGS_MODULE",
    "REGISTRATION_PROVIDER",
    "REGISTRATION_ENDPOINT",
    "MAKEFLAGS",
)


def shell_blocks(page: Path, heading: str) -> list[str]:
    """The ```sh blocks under one heading of a Markdown page (`"## Try it"`), up to the next of its level."""
    level = len(heading) - len(heading.lstrip("#"))
    blocks: list[str] = []
    current: list[str] = []
    inside, fence, found = False, None, False
    for line in page.read_text().splitlines():
        if fence is not None:
            if line.startswith("```"):
                if inside and fence == "sh":
                    blocks.append("\n".join(current) + "\n")
                fence = None
            elif inside and fence == "sh":
                current.append(line)
            continue
        if line.startswith("```"):
            fence, current = line[3:].strip(), []
        elif line == heading:
            inside = found = True
        elif inside and re.match(rf"#{{1,{level}}} ", line):
            break
    if not found:
        raise LookupError(f"{page.name} has no heading {heading!r}")
    return blocks


class Checkout:
    """`make(...)`, `start(port)` (make run), `stop()`, `shell(script)` in a throwaway copy."""

    def __init__(self, directory: Path):
        self.dir = directory
        self.env_file = directory / ".env"
        self.process: subprocess.Popen | None = None
        self.port: int | None = None
        venv = directory / ".venv"
        (venv / "bin").mkdir(parents=True)
        (venv / "bin" / "python").symlink_to(sys.executable)
        (venv / "lib").symlink_to(Path(sys.prefix) / "lib")
        if (Path(sys.prefix) / "pyvenv.cfg").exists():
            (venv / "pyvenv.cfg").symlink_to(Path(sys.prefix) / "pyvenv.cfg")
        for name in ("manage.py", "requirements.txt", "requirements-dev.txt"):
            (directory / name).symlink_to(ROOT / name)
        # Installed already: this is the environment the tests run in.
        (venv / ".installed").touch()
        (venv / ".installed-dev").touch()

    @property
    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if key not in SCRUBBED}
        env.update(
            {
                # settings.py looks beside the real manage.py; a newcomer's copy has its own.
                "ENV_FILE": str(self.env_file),
                "DATABASE_URL": f"sqlite:///{self.dir / 'db.sqlite3'}",
                "PYTHONWARNINGS": "ignore",
            }
        )
        return env

    def make(self, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
        return self.run(["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), *args], timeout)

    def shell(self, script: str, timeout: float = 120) -> subprocess.CompletedProcess:
        """Run a docs block with bash, stopping at the first failing command."""
        return self.run(["bash", "-euo", "pipefail", "-c", script], timeout)

    def run(self, argv: list[str], timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run(
            argv, cwd=self.dir, env=self.environment, capture_output=True, text=True, timeout=timeout, check=False
        )

    def start(self, port: int | None = None, timeout: float = 180) -> str:
        """`make run PORT=...` until the API answers; returns make's output so far."""
        self.port = port or free_port()
        self.log = self.dir / f"make-run-{self.port}.log"
        with self.log.open("w") as log:
            self.process = subprocess.Popen(
                ["make", "--no-print-directory", "-f", str(ROOT / "Makefile"), "run", f"PORT={self.port}"],
                cwd=self.dir,
                env=self.environment,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"make run exited: {self.log.read_text()[-3000:]}")
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/", timeout=2).status_code == 401:
                    return self.log.read_text()
            except requests.RequestException:
                pass
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"make run did not serve: {self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        """End `make run` and the servers it started (its own process group)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        # runserver's autoreloader child shares the group; make sure it is gone too.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process = None
