"""The wrk scripts (bench/wrk): each sends exactly the requests its token file holds, cycling through them.

wrk drives a small loopback server that records the headers it gets, for one second. Without
wrk (a Debian package) the test skips, and fails under CI=true, which installs it.
"""

import os
import subprocess
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.harness import WRK_DIR

LINES = ["token-one", "token-two", "token-three"]


class Recorder(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the benchmarked servers answer wrk
    seen: Counter

    def do_GET(self):
        self.seen[(self.headers.get("Authorization"), self.headers.get("DPoP"))] += 1
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    handler = type("Handler", (Recorder,), {"seen": Counter()})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/", handler.seen
    finally:
        server.shutdown()
        server.server_close()


def drive(wrk: str, url: str, script: str, lines: list[str], tmp_path) -> None:
    tokens = tmp_path / "tokens"
    tokens.write_text("".join(line + "\n" for line in lines))
    command = [wrk, "-t", "2", "-c", "2", "-d", "1s", "-s", str(WRK_DIR / script), url]
    finished = subprocess.run(
        command, env={**os.environ, "WRK_TOKENS": str(tokens)}, capture_output=True, text=True, timeout=60
    )
    assert finished.returncode == 0, finished.stderr


@pytest.mark.parametrize(
    ("script", "lines", "expected"),
    [
        ("tokens.lua", LINES, {(f"Bearer {line}", None) for line in LINES}),
        ("dpop.lua", [f"{line} proof-{line}" for line in LINES], {(f"DPoP {line}", f"proof-{line}") for line in LINES}),
    ],
)
def test_a_script_sends_every_line_of_its_token_file_and_nothing_else(wrk, recorder, tmp_path, script, lines, expected):
    url, seen = recorder
    drive(wrk, url, script, lines, tmp_path)
    assert set(seen) == expected
    # Cycled through: no line is sent much more often than another.
    assert max(seen.values()) <= 2 * min(seen.values()) + 2, seen


def test_a_script_runs_from_any_working_directory(wrk, recorder, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    url, seen = recorder
    drive(wrk, url, "tokens.lua", LINES[:1], tmp_path)
    assert set(seen) == {("Bearer token-one", None)}
