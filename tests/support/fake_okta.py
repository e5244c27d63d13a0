"""A loopback Okta org for registration tests: the Apps API subset `OktaProvider` uses, plus an issuer.

It serves the issuer's RFC 8414 metadata and key set (tests sign tokens with their own key), and
`/api/v1/apps` in Okta's wire format. Tests steer it through attributes: `on_create` runs when a
create request arrives (before the app exists), `fault` picks how a request is answered.
"""

import json
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

APP_NAME = "oidc_client"

# How a request may be answered instead of normally (`fault(method, path)` returns one or None).
FAULTS = (
    "error500",  # 500 with an Okta error object, nothing done
    "error503",  # 503, nothing done
    "rate_limited",  # 429 with Retry-After: 0, nothing done (the provider retries)
    "timeout",  # the work is done, the answer comes after the client's read timeout
    "drop",  # the work is done, the connection closes without an answer
    "malformed",  # the work is done, the answer is truncated JSON
)


class FakeOkta:
    """`apps` maps app id → the stored Application (with its secret); `secrets` lists every secret issued."""

    def __init__(self, *, token: str, jwks: dict, hang_seconds: float = 2.0):
        self.token = token
        self.jwks = jwks
        self.hang_seconds = hang_seconds
        self.apps: dict[str, dict] = {}
        self.secrets: list[str] = []
        self.requests: list[tuple[str, str]] = []
        # (method, path, the X-Request-ID header or None) of every request, in order.
        self.request_ids: list[tuple[str, str, str | None]] = []
        self.faults: list[tuple[str, str, str]] = []
        self.on_create: Callable[[], None] | None = None
        self.fault: Callable[[str, str], str | None] = lambda method, path: None
        self.lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def issuer(self) -> str:
        return f"{self.base}/oauth2/default"

    def start(self) -> "FakeOkta":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=10)
            self._server = None

    def active_ids(self) -> set[str]:
        with self.lock:
            return {app_id for app_id, app in self.apps.items() if app["status"] == "ACTIVE"}

    def requests_to(self, method: str, prefix: str) -> int:
        with self.lock:
            return sum(1 for m, path in self.requests if m == method and path.startswith(prefix))

    # --- the Apps API ---

    def public(self, app: dict) -> dict:
        """The Application without its secret (Okta shows the secret in the create response only)."""
        oauth = {k: v for k, v in app["credentials"]["oauthClient"].items() if k != "client_secret"}
        return {**app, "credentials": {"oauthClient": oauth}}

    def create(self, body: dict) -> dict:
        app_id = "0oa" + secrets.token_hex(8)
        secret = secrets.token_urlsafe(40)
        app = {
            "id": app_id,
            "name": APP_NAME,
            "label": body.get("label", ""),
            "status": "ACTIVE",
            "created": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "signOnMode": "OPENID_CONNECT",
            "credentials": {"oauthClient": {"client_id": app_id, "client_secret": secret}},
            "settings": body.get("settings", {}),
            "profile": body.get("profile", {}),
        }
        with self.lock:
            self.apps[app_id] = app
            self.secrets.append(secret)
        return app

    def _handler(self):
        okta = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                self.route("GET")

            def do_POST(self) -> None:
                self.route("POST")

            def do_DELETE(self) -> None:
                self.route("DELETE")

            def send(self, status: int, body=None, **headers) -> None:
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name.replace("_", "-"), value)
                self.end_headers()
                self.wfile.write(data)

            def error(self, status: int, code: str, summary: str) -> None:
                self.send(status, {"errorCode": code, "errorSummary": summary, "errorId": "fake", "errorCauses": []})

            def route(self, method: str) -> None:
                url = urlsplit(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with okta.lock:
                    okta.requests.append((method, url.path))
                    okta.request_ids.append((method, url.path, self.headers.get("X-Request-ID")))
                try:
                    if url.path == "/.well-known/oauth-authorization-server/oauth2/default":
                        return self.send(200, {"issuer": okta.issuer, "jwks_uri": f"{okta.issuer}/v1/keys"})
                    if url.path == "/oauth2/default/v1/keys":
                        return self.send(200, okta.jwks, Cache_Control="max-age=3600")
                    if not url.path.startswith("/api/v1/apps"):
                        return self.error(404, "E0000022", "The endpoint does not exist.")
                    if self.headers.get("Authorization") != f"SSWS {okta.token}":
                        return self.error(401, "E0000011", "Invalid token provided")
                    fault = okta.fault(method, url.path)
                    if fault:
                        with okta.lock:
                            okta.faults.append((method, url.path, fault))
                    if fault in ("error500", "error503", "rate_limited"):
                        status = {"error500": 500, "error503": 503, "rate_limited": 429}[fault]
                        headers = {"Retry_After": "0"} if status == 429 else {}
                        return self.send(status, {"errorCode": "E0000009", "errorSummary": fault}, **headers)
                    result = self.apps_api(method, url.path, parse_qs(url.query), body)
                    if fault == "timeout":
                        time.sleep(okta.hang_seconds)
                    elif fault == "drop":
                        self.close_connection = True
                        return
                    elif fault == "malformed":
                        data = json.dumps(result[1]).encode()[:20]
                        self.send_response(result[0])
                        self.send_header("Content-Type", "application/json")
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        return self.wfile.write(data)
                    self.send(*result)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def apps_api(self, method: str, path: str, query: dict, body: bytes) -> tuple:
                parts = path.rstrip("/").split("/")[4:]  # after /api/v1/apps
                if method == "POST" and not parts:
                    if okta.on_create is not None:
                        okta.on_create()
                    return 200, okta.create(json.loads(body))
                if method == "GET" and not parts:
                    prefix = query.get("q", [""])[0]
                    with okta.lock:
                        found = [okta.public(a) for a in okta.apps.values() if a["label"].startswith(prefix)]
                    return 200, found
                with okta.lock:
                    app = okta.apps.get(parts[0])
                    if app is None:
                        return 404, {"errorCode": "E0000007", "errorSummary": f"Not found: {parts[0]}"}
                    if method == "GET" and len(parts) == 1:
                        return 200, okta.public(app)
                    if method == "POST" and parts[1:] in (["lifecycle", "deactivate"], ["lifecycle", "activate"]):
                        app["status"] = "INACTIVE" if parts[2] == "deactivate" else "ACTIVE"
                        return 200, {}
                    if method == "DELETE" and len(parts) == 1:
                        if app["status"] == "ACTIVE":
                            return 403, {"errorCode": "E0000056", "errorSummary": "Delete application forbidden."}
                        del okta.apps[parts[0]]
                        return 204, None
                return 405, {"errorCode": "E0000022", "errorSummary": "Unsupported."}

        return Handler
