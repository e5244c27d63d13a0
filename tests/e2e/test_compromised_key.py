"""A compromised signing key, pulled: two real gunicorn workers refuse its tokens within JWKS_RECHECK_INTERVAL.

The embedded issuer and the API run in one gunicorn with two worker processes sharing one
cache (the database cache on SQLite, or a private Redis). Both workers have verified a token,
and serve it from their verified-token caches. `rotate_signing_key --compromised` pulls the
key and `jwks refresh` shares the new key set; every request sent one interval later is
refused, by both workers, while a token of the new key is accepted by both.
"""

import re
import shutil
import time
from pathlib import Path

import pytest
import requests

from tests.support.deployment import Deployment
from tests.support.redis_server import RedisServer

pytestmark = pytest.mark.e2e

INTERVAL = 1.0
# The access log names the worker (pid) and numbers each request (the query's `n`).
LOG_FORMAT = '%(p)s %(s)s "%(r)s"'
LINE = re.compile(r'<(\d+)> (\d{3}) "GET /\?n=(\d+) ')


@pytest.fixture(params=["database-cache", "redis"])
def deployment(request, tmp_path):
    env = {"JWKS_RECHECK_INTERVAL": str(INTERVAL), "GUNICORN_ACCESSLOG": str(tmp_path / "access.log")}
    redis = None
    if request.param == "redis":
        if not shutil.which("redis-server"):
            pytest.skip("redis-server is not installed")
        redis = RedisServer().start()
        env["CACHE_URL"] = redis.url
    deployment = Deployment(
        Path(tmp_path), workers=2, threads=2, env=env, gunicorn_args=("--access-logformat", LOG_FORMAT)
    )
    try:
        deployment.prepare()
        deployment.start()
        yield deployment
    finally:
        deployment.stop()
        if redis is not None:
            redis.cleanup()


class Caller:
    """Numbered API calls; the access log tells which worker answered each one."""

    def __init__(self, deployment: Deployment):
        self.deployment = deployment
        self.sent: dict[int, float] = {}

    def token(self) -> str:
        response = requests.post(
            f"{self.deployment.issuer}/v1/token",
            data={"grant_type": "client_credentials", "scope": "hello:read"},
            auth=(self.deployment.credentials["TEST_CLIENT_ID"], self.deployment.credentials["TEST_CLIENT_SECRET"]),
            timeout=30,
        )
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def call(self, token: str) -> requests.Response:
        n = len(self.sent)
        self.sent[n] = time.time()
        # A new connection each time (no session), so the kernel hands calls to either worker.
        return requests.get(f"{self.deployment.base}/?n={n}", headers={"Authorization": f"Bearer {token}"}, timeout=30)

    def answers(self, since: int = 0) -> list[tuple[int, int, int]]:
        """(n, worker pid, status) of the calls numbered `since` or later, as the access log has them."""
        log = Path(self.deployment.extra_env["GUNICORN_ACCESSLOG"]).read_text()
        rows = [(int(n), int(pid), int(status)) for pid, status, n in LINE.findall(log)]
        return sorted(row for row in rows if row[0] >= since)

    def until_both_workers(self, token: str, *, each: int, expect: int) -> list[tuple[int, int, int]]:
        """Call until each of the two workers has answered `each` calls; every answer must be `expect`."""
        since = len(self.sent)
        for _ in range(400):
            assert self.call(token).status_code == expect
            answers = self.answers(since)
            served = {pid: sum(1 for _, p, _ in answers if p == pid) for _, pid, _ in answers}
            if len(served) == 2 and min(served.values()) >= each:
                return answers
        raise AssertionError(f"the calls did not reach both workers: {served}")


def test_a_pulled_key_is_refused_by_every_worker_within_the_interval(deployment):
    caller = Caller(deployment)
    leaked = caller.token()
    # Both workers validate the token, then serve it from their verified-token caches.
    warm = caller.until_both_workers(leaked, each=3, expect=200)
    assert {pid for _, pid, _ in warm} == set(deployment.worker_pids())

    deployment.manage("rotate_signing_key", "--compromised")
    # The workers' shared key set still holds the key until someone reads the issuer's again.
    assert caller.call(leaked).status_code == 200
    deployment.manage("jwks", "refresh")
    refreshed = time.time()

    # Every call from one interval after the refresh on is refused, by both workers ...
    time.sleep(INTERVAL)
    pulled = caller.until_both_workers(leaked, each=3, expect=401)
    assert all(caller.sent[n] >= refreshed + INTERVAL for n, _, _ in pulled)
    response = caller.call(leaked)
    assert response.json()["error"] == "invalid_token"
    assert "does not publish" in response.json()["error_description"]
    # ... and both accept the new key's tokens.
    caller.until_both_workers(caller.token(), each=2, expect=200)
