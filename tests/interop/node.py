"""Running the Node side of the interop tests: availability, and bounded, always-stopped processes."""

import json
import os
import shutil
import subprocess
import tempfile
import threading
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
NODE_MODULES = HERE / "node_modules"
STARTUP_TIMEOUT = 30.0
STOP_TIMEOUT = 5.0


def interop_required() -> bool:
    """CI (`CI=true`) or `INTEROP_REQUIRED=1` turn a missing Node toolchain into a failure."""
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("INTEROP_REQUIRED") == "1"


def node_executable() -> str:
    """The `node` binary; skips (or fails when required) if Node or `npm ci` is missing."""
    node = shutil.which("node")
    if node is None:
        reason = "node is not installed: the interop tests need Node.js 20+ (then `npm ci --prefix tests/interop`)"
    elif not all((NODE_MODULES / package).is_dir() for package in ("oidc-provider", "jose", "openid-client", "dpop")):
        reason = "tests/interop/node_modules is missing: run `npm ci --prefix tests/interop`"
    else:
        return node
    if interop_required():
        pytest.fail(f"{reason} (required here: CI=true or INTEROP_REQUIRED=1)", pytrace=False)
    pytest.skip(reason)


class NodeProcess:
    """A Node script that prints one JSON line when ready; stopped by `stop()` whatever happened.

    stderr goes to a temporary file, not a pipe, so a chatty process can never block on a full
    pipe; it is shown in the error when startup fails.
    """

    def __init__(self, script: str, *args: str, env: dict[str, str] | None = None):
        self.command = [node_executable(), str(HERE / script), *args]
        self.env = {**os.environ, **(env or {})}
        self.process: subprocess.Popen | None = None
        self.stderr = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed by stop()

    def start(self, timeout: float = STARTUP_TIMEOUT) -> dict:
        """Start the process and return its ready line; raise `RuntimeError` if it never comes."""
        self.process = subprocess.Popen(
            # stdin is a pipe only we hold: if this process dies unannounced, the server sees its end and exits.
            self.command,
            cwd=HERE,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
        )
        line: list[bytes] = []
        reader = threading.Thread(target=lambda: line.append(self.process.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        ready = _parse(line[0]) if line else None
        if not ready or ready.get("ready") is not True:
            errors = self.errors()
            self.stop()
            raise RuntimeError(f"{self.command[1]} did not start within {timeout}s: {errors}")
        return ready

    def errors(self) -> str:
        self.stderr.seek(0)
        return self.stderr.read()[-4000:]

    def stop(self) -> None:
        """SIGTERM, then SIGKILL after a grace period; idempotent."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(STOP_TIMEOUT)
        if self.process is not None:
            for stream in (self.process.stdin, self.process.stdout):
                if stream:
                    stream.close()
        if not self.stderr.closed:
            self.stderr.close()


def _parse(raw: bytes) -> dict | None:
    try:
        data = json.loads(raw)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def run_node(script: str, *args: str, stdin: str, timeout: float = 60.0) -> str:
    """Run a Node script to completion with `stdin`; its stdout, or `RuntimeError` with its stderr."""
    result = subprocess.run(
        [node_executable(), str(HERE / script), *args],
        cwd=HERE,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"{script} exited with {result.returncode}: {result.stderr[-4000:]}")
    return result.stdout
