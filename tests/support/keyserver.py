"""A real JWKS server on loopback whose behaviour a test switches: down, slow, broken, hostile."""

import json
import select
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CHUNK = b" " * 65536
MODES = (
    "ok",
    "slow",
    "trickle",
    "error",
    "html",
    "invalid_json",
    "not_object",
    "empty",
    "garbage_keys",
    "huge",
    "redirect",
)


class KeyServer:
    """Serves `jwks` at `/keys` on 127.0.0.1; `mode` decides how it answers.

    `slow` holds each request until `release` is set (at most `slow_limit` seconds) and then
    records in `abandoned` whether the client had already gone. `huge` streams `huge_bytes`
    of JSON-looking whitespace and records in `bytes_sent` how much the client took. `down()`
    closes the socket (connection refused), `up()` listens again on the same port.
    """

    def __init__(self, jwks: dict, *, max_age: int = 3600, redirect_to: str = ""):
        self.jwks = jwks
        self.max_age = max_age
        self.redirect_to = redirect_to
        self.mode = "ok"
        self.requests: list[str] = []
        self.pending = 0
        self.abandoned: list[bool] = []
        self.bytes_sent = 0
        self.huge_bytes = 50 * 1024 * 1024
        self.slow_limit = 30.0
        self.trickle_interval = 0.1
        self.trickle_limit = 5.0
        self.release = threading.Event()
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/keys"

    def up(self) -> "KeyServer":
        server = ThreadingHTTPServer(("127.0.0.1", self.port), self._handler())
        server.daemon_threads = True
        self.port = server.server_address[1]
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def down(self) -> None:
        if self._server is not None:
            self.release.set()
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self.wait_idle()
            self._server = None
            self.release.clear()

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Wait until no request is being answered (handlers run on their own threads)."""
        deadline = time.monotonic() + timeout
        while self.pending and time.monotonic() < deadline:
            time.sleep(0.01)
        return not self.pending

    def _handler(self):
        keyserver = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep test output clean
                pass

            def do_GET(self) -> None:
                with keyserver._lock:
                    keyserver.requests.append(self.path)
                    keyserver.pending += 1
                try:
                    getattr(self, "answer_" + keyserver.mode)()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                finally:
                    with keyserver._lock:
                        keyserver.pending -= 1

            def send(self, status: int, body: bytes, content_type: str = "application/json", **headers) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(body)

            def answer_ok(self) -> None:
                self.send(200, json.dumps(keyserver.jwks).encode(), Cache_Control=f"max-age={keyserver.max_age}")

            def answer_slow(self) -> None:
                keyserver.release.wait(keyserver.slow_limit)
                keyserver.abandoned.append(self.client_gone())
                self.answer_ok()

            def answer_trickle(self) -> None:
                """Headers at once, then a byte per `trickle_interval`: each read is quick, the whole never ends."""
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", "1000000")
                self.end_headers()
                deadline = time.monotonic() + keyserver.trickle_limit
                while time.monotonic() < deadline and not keyserver.release.is_set():
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(keyserver.trickle_interval)

            def client_gone(self) -> bool:
                """Whether the client closed its end (readable, and the read is end-of-file)."""
                readable, _, _ = select.select([self.connection], [], [], 0)
                if not readable:
                    return False
                try:
                    return self.connection.recv(1, socket.MSG_PEEK) == b""
                except OSError:
                    return True

            def answer_error(self) -> None:
                self.send(500, b'{"error": "server_error"}')

            def answer_html(self) -> None:
                self.send(200, b"<html><body>Maintenance</body></html>", "text/html")

            def answer_invalid_json(self) -> None:
                self.send(200, b'{"keys": [{"kty": "RSA", ')

            def answer_not_object(self) -> None:
                self.send(200, b'[{"kty": "RSA"}]')

            def answer_empty(self) -> None:
                self.send(200, b'{"keys": []}', Cache_Control="max-age=3600")

            def answer_garbage_keys(self) -> None:
                kid = keyserver.jwks["keys"][0]["kid"]
                body = {"keys": [{"kty": "RSA", "kid": kid, "use": "sig", "alg": "RS256", "n": "AQAB", "e": "zz"}]}
                self.send(200, json.dumps(body).encode(), Cache_Control="max-age=3600")

            def answer_huge(self, declared: bool = True) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                if declared:
                    self.send_header("Content-Length", str(keyserver.huge_bytes))
                self.end_headers()
                sent = 0
                try:
                    while sent < keyserver.huge_bytes:
                        self.wfile.write(CHUNK)
                        sent += len(CHUNK)
                finally:
                    keyserver.bytes_sent = sent

            def answer_huge_undeclared(self) -> None:
                """No Content-Length: the body ends when the connection closes (HTTP/1.0)."""
                self.answer_huge(declared=False)

            def answer_redirect(self) -> None:
                self.send(302, b"", Location=keyserver.redirect_to)

        return Handler
