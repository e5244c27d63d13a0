"""A small issuer on loopback for benchmarks: it mints RS256 tokens, serves its JWKS and counts fetches."""

import json
import secrets
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa

AUDIENCE = "api://default"


class KeyServer:
    """RFC 8414 metadata and a JWKS (RFC 7517) on 127.0.0.1, with rotation and a fetch counter.

    `jwks_requests` counts GETs of the JWKS, which is what the key-set benchmark measures.
    The newest key signs; `rotate()` publishes a new one and keeps the old (as Okta does).
    """

    def __init__(self, *, max_age: int = 3600, key_size: int = 2048):
        self.max_age = max_age
        self.key_size = key_size
        self.keys: list[tuple[str, rsa.RSAPrivateKey]] = []
        self.unpublished: set[str] = set()
        self.jwks_requests = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self.rotate()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    @property
    def issuer(self) -> str:
        return f"{self.url}/oauth2/default"

    @property
    def jwks_uri(self) -> str:
        return f"{self.issuer}/v1/keys"

    @property
    def kid(self) -> str:
        return self.keys[0][0]

    @property
    def signing_key(self) -> rsa.RSAPrivateKey:
        return self.keys[0][1]

    def rotate(self, *, publish: bool = True) -> str:
        """A new signing key (it signs from now on); the old keys stay published.

        With `publish=False` the key signs but is not in the JWKS until `publish(kid)`, so
        tokens for after a rotation can be minted before the measured run.
        """
        key = rsa.generate_private_key(public_exponent=65537, key_size=self.key_size)
        kid = "bench-" + secrets.token_hex(8)
        with self._lock:
            self.keys.insert(0, (kid, key))
            if not publish:
                self.unpublished.add(kid)
        return kid

    def publish(self, kid: str) -> None:
        with self._lock:
            self.unpublished.discard(kid)

    def jwks(self) -> dict:
        with self._lock:
            keys = [(kid, key) for kid, key in self.keys if kid not in self.unpublished]
        out = []
        for kid, key in keys:
            jwk = jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True)
            out.append({**jwk, "kid": kid, "alg": "RS256", "use": "sig"})
        return {"keys": out}

    def mint(self, *, kid: str | None = None, key=None, **claims) -> str:
        """An access token of this issuer, signed with its newest key unless told otherwise."""
        return mint_token(self.issuer, kid or self.kid, key or self.signing_key, **claims)

    def start(self) -> "KeyServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> "KeyServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def _handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                if self.path == "/oauth2/default/v1/keys":
                    with server._lock:
                        server.jwks_requests += 1
                    self._json(server.jwks(), max_age=server.max_age)
                elif self.path in (
                    "/.well-known/oauth-authorization-server/oauth2/default",
                    "/oauth2/default/.well-known/oauth-authorization-server",
                    "/oauth2/default/.well-known/openid-configuration",
                ):
                    self._json({"issuer": server.issuer, "jwks_uri": server.jwks_uri}, max_age=server.max_age)
                else:
                    self.send_error(404)

            def _json(self, body: dict, *, max_age: int) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Cache-Control", f"max-age={max_age}")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:  # quiet: the benchmark prints its own figures
                pass

        return Handler


def mint_token(issuer: str, kid: str, key: rsa.RSAPrivateKey, *, lifetime: int = 3600, **claims) -> str:
    """An access token in the embedded issuer's shape (Okta claims plus RFC 9068's)."""
    now = int(time.time())
    client_id = claims.pop("client_id", "bench-client")
    payload = {
        "ver": 1,
        "jti": "AT." + secrets.token_urlsafe(16),
        "iss": issuer,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + lifetime,
        "cid": client_id,
        "client_id": client_id,
        "scp": ["hello:read"],
        "scope": "hello:read",
        "sub": client_id,
        **claims,
    }
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": kid, "typ": "at+jwt"})
