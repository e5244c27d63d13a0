"""`/metrics` under gunicorn's two worker processes: the counts of both, summed exactly, over real HTTP.

gunicorn runs deploy/gunicorn.conf.py in production mode with `PROMETHEUS_MULTIPROC_DIR` in a
temporary directory. Requests with a valid token and with a bad one go over new connections from
several threads until each worker has counted some of both (each worker's own file in that
directory tells); one scrape, answered by either worker, then counts exactly what was sent.
"""

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.support.deployment import Deployment
from tests.support.tokens import client_credentials_token

pytestmark = pytest.mark.e2e

VALIDATIONS = "ccproject_token_validations_total"
ACCEPTED = (VALIDATIONS, {"outcome": "accepted", "reason": "none"})
INVALID = (VALIDATIONS, {"outcome": "refused", "reason": "invalid_token"})
BATCH = 16
MAX_REQUESTS = 20 * BATCH


@pytest.fixture(scope="module")
def deployment(tmp_path_factory):
    directory = Path(tmp_path_factory.mktemp("metrics"))
    metrics_dir = directory / "prometheus"
    # `manage.py` (prepare) imports the metrics too: the directory must exist before; gunicorn's
    # master empties it before its workers start (deploy/gunicorn.conf.py `on_starting`).
    metrics_dir.mkdir()
    deployment = Deployment(directory, workers=2, threads=4, env={"PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)})
    deployment.metrics_dir = metrics_dir
    deployment.prepare()
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()


def call(deployment: Deployment, token: str) -> int:
    # A new connection each time (no session), so the kernel hands calls to either worker.
    return requests.get(f"{deployment.base}/", headers={"Authorization": f"Bearer {token}"}, timeout=30).status_code


def value_of(families, series: tuple[str, dict]) -> float:
    name, labels = series
    found = [sample.value for family in families for sample in family.samples if (sample.name, sample.labels) == series]
    assert len(found) <= 1, (name, labels, found)
    return found[0] if found else 0.0


def per_worker(deployment: Deployment, series: tuple[str, dict]) -> dict[int, float]:
    """What each worker counted of `series`, read from its own file (counter_<pid>.db)."""
    counts = {}
    for pid in deployment.worker_pids():
        path = deployment.metrics_dir / f"counter_{pid}.db"
        if path.exists():
            counts[pid] = value_of(MultiProcessCollector.merge([str(path)], accumulate=False), series)
    return counts


def send_until_both_workers_counted(deployment: Deployment, token: str, series: tuple, expected: int) -> int:
    """Send batches of concurrent calls until both workers counted some; how many were sent.

    One call goes first alone: the first valid token makes its worker fetch the embedded issuer's
    keys from this very server, which a burst of calls holding every thread would keep waiting.
    """
    assert call(deployment, token) == expected
    sent = 1
    with ThreadPoolExecutor(max_workers=8) as pool:
        while sent < MAX_REQUESTS:
            statuses = list(pool.map(lambda _: call(deployment, token), range(BATCH)))
            assert statuses == [expected] * BATCH
            sent += BATCH
            counts = per_worker(deployment, series)
            if len(counts) == 2 and all(count > 0 for count in counts.values()):
                assert sum(counts.values()) == sent
                return sent
    pytest.fail(f"one worker served all {sent} calls: {per_worker(deployment, series)}")


def scrape(deployment: Deployment) -> list:
    response = requests.get(f"{deployment.base}/metrics", timeout=30)
    assert response.status_code == 200, response.text
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Type"].startswith("text/plain")
    return list(text_string_to_metric_families(response.text))


def test_both_workers_counts_are_summed_exactly(deployment):
    client = deployment.credentials
    token = client_credentials_token(deployment.issuer, client["TEST_CLIENT_ID"], client["TEST_CLIENT_SECRET"])
    good = send_until_both_workers_counted(deployment, token, ACCEPTED, 200)
    bad = send_until_both_workers_counted(deployment, "not-a-jwt", INVALID, 401)
    # Whichever worker answers the scrape, it sums both workers' files.
    for _ in range(4):
        families = scrape(deployment)
        assert value_of(families, ACCEPTED) == good
        assert value_of(families, INVALID) == bad
    # The key set the workers share, described at scrape time.
    assert value_of(families, ("ccproject_jwks_state", {"issuer": deployment.issuer, "state": "fresh"})) == 1
    # A bearer request is answered from the verified-token cache from its token's third use on.
    assert value_of(families, ("ccproject_token_cache_lookups_total", {"result": "hit"})) > 0


def test_a_relayed_request_and_a_post_are_refused(deployment):
    relayed = requests.get(f"{deployment.base}/metrics", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=30)
    assert relayed.status_code == 404
    assert relayed.json() == {"error": "not_found", "error_description": "No endpoint at this path."}
    assert relayed.headers["Cache-Control"] == "no-store"
    posted = requests.post(f"{deployment.base}/metrics", timeout=30)
    assert posted.status_code == 405
    assert posted.json()["error"] == "method_not_allowed"
