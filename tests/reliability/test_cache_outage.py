"""The shared cache (Redis) failing under load: validation goes on from process memory.

Each test runs its own redis-server on a free port and kills it (SIGKILL, like a crash or a
cut network); the shared Redis is never touched.
"""

import threading
import time
from collections import Counter

import pytest
import requests
from django.core.cache import caches

from api.jwks import reset_key_sets
from conftest import ISSUER
from tests.reliability.conftest import call, shared_entry


def test_redis_back_sharing_resumes(api_client, token, keyserver, redis_server):
    assert call(api_client, token()).status_code == 200
    assert shared_entry(ISSUER) is not None
    redis_server.stop()
    redis_server.start()  # empty: no persistence
    reset_key_sets()  # a worker starting now
    assert call(api_client, token()).status_code == 200
    assert shared_entry(ISSUER) is not None, "the key set was not shared again after Redis came back"
    # Another new worker gets the keys from Redis alone: the issuer is not asked again.
    fetches = len(keyserver.requests)
    keyserver.down()
    reset_key_sets()
    assert call(api_client, token()).status_code == 200
    assert len(keyserver.requests) == fetches


def test_known_keys_keep_working_while_redis_is_down(api_client, token, keyserver, redis_server):
    assert call(api_client, token()).status_code == 200
    redis_server.stop()
    statuses = Counter(call(api_client, token()).status_code for _ in range(10))
    assert statuses == {200: 10}


def test_a_new_worker_validates_while_redis_is_down(api_client, token, keyserver, redis_server):
    redis_server.stop()
    reset_key_sets()
    assert call(api_client, token()).status_code == 200
    # Forged kids still get 401, not a 500 from the cluster-wide cooldown lock.
    assert call(api_client, token(headers={"kid": "forged"})).status_code == 401


def run_load(url: str, tokens: list[str], stop: threading.Event, statuses: Counter, lock: threading.Lock) -> None:
    with requests.Session() as session:
        n = 0
        while not stop.is_set():
            token = tokens[n % len(tokens)]
            n += 1
            try:
                status = session.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10).status_code
            except requests.RequestException as exc:
                status = type(exc).__name__
            with lock:
                statuses[status] += 1


@pytest.mark.e2e
def test_redis_stopped_during_load_costs_no_request(live_server, make_token, keyserver, redis_server, settings):
    """Three clients over real HTTP while Redis dies and returns; key sets expire every second."""
    # Key sets expire every second: refreshes, and so shared-cache traffic, all through the run.
    keyserver.max_age = 1
    settings.API_AUTH = {
        **settings.API_AUTH,
        "JWKS_MIN_TTL": 1,
        "JWKS_REFRESH_COOLDOWN": 1,
        "JWKS_RECHECK_INTERVAL": 1,
    }
    tokens = [make_token(), make_token(cid="client-2"), make_token(exp=int(time.time()) - 3600)]
    phases: list[Counter] = []
    lock = threading.Lock()
    for action in (None, redis_server.stop, redis_server.start):
        if action:
            action()
        statuses: Counter = Counter()
        stop = threading.Event()
        workers = [
            threading.Thread(target=run_load, args=(live_server.url, tokens, stop, statuses, lock)) for _ in range(3)
        ]
        for worker in workers:
            worker.start()
        time.sleep(2)
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
        phases.append(statuses)
    for statuses in phases:
        assert set(statuses) <= {200, 401}, phases
        assert statuses[200] > 0 and statuses[401] > 0, phases
    assert caches["default"].get("ccp:probe") is None  # Redis answers again
    assert shared_entry(ISSUER) is not None, "sharing did not resume after Redis came back"


def run_dpop_load(url: str, token: str, key, stop: threading.Event, statuses: Counter, lock) -> None:
    """DPoP calls, a fresh proof each, until `stop`: the replay check needs Redis on every one."""
    with requests.Session() as session:
        while not stop.is_set():
            proof = key.proof("GET", url + "/", access_token=token)
            try:
                response = session.get(url, headers={"Authorization": f"DPoP {token}", "DPoP": proof}, timeout=10)
                status = response.status_code
                if status == 503:
                    assert int(response.headers["Retry-After"]) > 0
            except requests.RequestException as exc:
                status = type(exc).__name__
            with lock:
                statuses[("dpop", status)] += 1


@pytest.mark.e2e
def test_redis_killed_during_dpop_load_fails_dpop_closed_and_bearer_goes_on(
    live_server, make_token, keyserver, redis_server
):
    """DPoP and bearer clients over real HTTP while Redis dies and returns: DPoP 503 meanwhile, bearer 200."""
    from ccproject.dpop_signer import DPoPKey

    key = DPoPKey()
    bound, bearer = make_token(cnf={"jkt": key.thumbprint}), make_token()
    phases: list[Counter] = []
    lock = threading.Lock()
    for action in (None, redis_server.stop, redis_server.start):
        if action:
            action()
        statuses: Counter = Counter()
        stop = threading.Event()
        bearer_statuses: Counter = Counter()
        workers = [
            threading.Thread(target=run_dpop_load, args=(live_server.url, bound, key, stop, statuses, lock)),
            threading.Thread(target=run_dpop_load, args=(live_server.url, bound, key, stop, statuses, lock)),
            threading.Thread(target=run_load, args=(live_server.url, [bearer], stop, bearer_statuses, lock)),
        ]
        for worker in workers:
            worker.start()
        time.sleep(2)
        stop.set()
        for worker in workers:
            worker.join(timeout=30)
        phases.append(statuses + Counter({("bearer", status): n for status, n in bearer_statuses.items()}))
    before, during, after = phases
    assert set(before) == {("dpop", 200), ("bearer", 200)}, phases
    assert set(during) == {("dpop", 503), ("bearer", 200)}, phases
    assert set(after) == {("dpop", 200), ("bearer", 200)}, phases
