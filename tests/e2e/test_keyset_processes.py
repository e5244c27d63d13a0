"""Several real worker processes share one key-set cache: the issuer serves its JWKS once."""

import json
import os
import secrets
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 4
WORKER = """
import sys, time, django
django.setup()
from api.jwks import get_key_set
issuer, kid, start_at = sys.argv[1], sys.argv[2], float(sys.argv[3])
time.sleep(max(0.0, start_at - time.time()))  # line the workers up on a cold cache
for _ in range(50):
    assert get_key_set(issuer).get_key(kid).kid == kid
print("ok")
"""


class Issuer(ThreadingHTTPServer):
    """A tiny issuer on loopback that counts every request per path."""

    daemon_threads = True

    def __init__(self, jwks: dict):
        super().__init__(("127.0.0.1", 0), Handler)
        self.jwks, self.hits, self.lock = jwks, {}, threading.Lock()
        self.issuer = f"http://127.0.0.1:{self.server_address[1]}/oauth2/default"


class Handler(BaseHTTPRequestHandler):
    def do_GET(self):
        server: Issuer = self.server
        with server.lock:
            server.hits[self.path] = server.hits.get(self.path, 0) + 1
        if self.path == "/.well-known/oauth-authorization-server/oauth2/default":
            body = {"issuer": server.issuer, "jwks_uri": server.issuer + "/v1/keys"}
        elif self.path == "/oauth2/default/v1/keys":
            time.sleep(0.2)  # a slow issuer widens the race between the workers
            body = server.jwks
        else:
            self.send_error(404)
            return
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Cache-Control", "max-age=3600")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def issuer():
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    jwk = {**jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key(), as_dict=True), "kid": "proc-1", "alg": "RS256"}
    server = Issuer({"keys": [jwk]})
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def shared_cache_env(tmp_path) -> dict:
    """The configured Redis when CACHE_URL names one (CI), else a database cache in a SQLite file."""
    env = {**os.environ, "ENV_FILE": os.devnull, "DJANGO_SETTINGS_MODULE": "ccproject.settings", "DEBUG": "false"}
    # DEBUG off is production mode, which insists on a real SECRET_KEY and ALLOWED_HOSTS.
    env.update({"SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1", "DJANGO_ENV": "production"})
    if not os.environ.get("CACHE_URL", "").startswith("redis"):
        env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'workers.sqlite3'}"
        env["CACHE_URL"] = "dbcache://ccp_workers_cache"
        subprocess.run([sys.executable, "manage.py", "createcachetable"], cwd=ROOT, env=env, check=True, timeout=120)
    return env


def test_worker_processes_fetch_the_key_set_once(issuer, shared_cache_env):
    env = {**shared_cache_env, "ISSUER": issuer.issuer}
    start_at = str(time.time() + 2)
    workers = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, issuer.issuer, "proc-1", start_at],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(WORKERS)
    ]
    try:
        outputs = [worker.communicate(timeout=120) for worker in workers]
    finally:
        for worker in workers:
            if worker.poll() is None:
                worker.kill()
    assert [worker.returncode for worker in workers] == [0] * WORKERS, [err[-2000:] for _, err in outputs]
    assert [out.strip() for out, _ in outputs] == ["ok"] * WORKERS
    assert issuer.hits.get("/oauth2/default/v1/keys") == 1
    assert issuer.hits.get("/.well-known/oauth-authorization-server/oauth2/default") == 1
