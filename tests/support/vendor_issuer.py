"""A real issuer on loopback shaped like a vendor's: its metadata, keys and token endpoint at the vendor's paths."""

import base64
import json
import threading
import time
import uuid
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

ClaimsFor = Callable[[str, str], dict]


class VendorIssuer:
    """Serves one issuer over real HTTP on 127.0.0.1, laid out as a vendor lays it out.

    `issuer_path` is the issuer's path (`/realms/demo`, `/{tenant}/v2.0`, `/` for Auth0's
    trailing slash); `metadata_path`, `jwks_path` and `token_path` are where the vendor
    publishes the discovery document, the key set and the token endpoint. The token
    endpoint takes the client credentials grant (HTTP Basic) for the clients in `clients`
    and answers a JWT whose claims `claims_for(client_id, scope)` shapes; `mint(claims)`
    signs any claims with the same key. `requests` records every path asked for.
    """

    def __init__(
        self,
        *,
        issuer_path: str,
        metadata_path: str,
        jwks_path: str,
        token_path: str,
        claims_for: ClaimsFor | None = None,
        clients: dict[str, str] | None = None,
        kid: str = "vendor-key-1",
        header: dict | None = None,
        metadata_extra: dict | None = None,
    ):
        self.issuer_path = issuer_path
        self.metadata_path = metadata_path
        self.jwks_path = jwks_path
        self.token_path = token_path
        self.claims_for = claims_for or (lambda client_id, scope: {"client_id": client_id, "scope": scope})
        self.clients = clients or {}
        self.kid = kid
        self.header = header or {}
        self.metadata_extra = metadata_extra or {}
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.requests: list[str] = []
        self._server: ThreadingHTTPServer | None = None
        self.port = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return self.base + self.issuer_path

    @property
    def token_endpoint(self) -> str:
        return self.base + self.token_path

    def url(self, path: str) -> str:
        return self.base + path

    def metadata(self) -> dict:
        return {
            "issuer": self.issuer,
            "jwks_uri": self.base + self.jwks_path,
            "token_endpoint": self.token_endpoint,
            "grant_types_supported": ["client_credentials"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            **self.metadata_extra,
        }

    def jwks(self) -> dict:
        public = jwt.algorithms.RSAAlgorithm.to_jwk(self.key.public_key(), as_dict=True)
        return {"keys": [{**public, "kid": self.kid, "alg": "RS256", "use": "sig"}]}

    def mint(self, claims: dict, header: dict | None = None) -> str:
        """A token signed by this issuer's key: `iss`, `iat`, `exp` and `jti` unless `claims` sets them."""
        now = int(time.time())
        payload = {"iss": self.issuer, "iat": now, "exp": now + 3600, "jti": uuid.uuid4().hex, **claims}
        payload = {name: value for name, value in payload.items() if value is not None}
        headers = {"kid": self.kid, **self.header, **(header or {})}
        return jwt.encode(payload, self.key, algorithm="RS256", headers=headers)

    def start(self) -> "VendorIssuer":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> "VendorIssuer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _token_response(self, authorization: str, body: bytes) -> tuple[int, dict]:
        form = parse_qs(body.decode("ascii", "replace"))
        if form.get("grant_type") != ["client_credentials"]:
            return 400, {"error": "unsupported_grant_type"}
        scheme, _, credentials = authorization.partition(" ")
        try:
            client_id, _, secret = base64.b64decode(credentials).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            client_id, secret = "", ""
        if scheme.lower() != "basic" or not client_id or self.clients.get(client_id) != secret:
            return 401, {"error": "invalid_client"}
        scope = form.get("scope", [""])[0]
        token = self.mint(self.claims_for(client_id, scope))
        return 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600, "scope": scope}

    def _handler(self):
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def send(self, status: int, body: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                issuer.requests.append(self.path)
                if self.path == issuer.metadata_path:
                    self.send(200, issuer.metadata())
                elif self.path == issuer.jwks_path:
                    self.send(200, issuer.jwks())
                else:
                    self.send(404, {"error": "not_found"})

            def do_POST(self) -> None:
                issuer.requests.append(self.path)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if self.path != issuer.token_path:
                    self.send(404, {"error": "not_found"})
                    return
                self.send(*issuer._token_response(self.headers.get("Authorization", ""), body))

        return Handler


def keycloak_layout(realm: str = "demo") -> dict:
    """A Keycloak realm's paths: issuer `{base}/realms/{realm}`, the rest under `protocol/openid-connect`."""
    base = f"/realms/{realm}"
    return {
        "issuer_path": base,
        "metadata_path": f"{base}/.well-known/openid-configuration",
        "jwks_path": f"{base}/protocol/openid-connect/certs",
        "token_path": f"{base}/protocol/openid-connect/token",
    }
