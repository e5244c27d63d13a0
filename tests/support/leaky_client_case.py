"""Run by tests/e2e/test_live_server_teardown.py in its own pytest process, never collected itself.

A client left in a reference cycle keeps its kept-alive connection to the live server until the
garbage collector frees it; `late_gc` frees it only after the live server stopped (its teardown
runs after the live server's, as it was set up before it).
"""

import gc
import time

import pytest
import requests


@pytest.fixture(scope="session")
def late_gc():
    yield
    gc.collect()
    time.sleep(1)  # the server's request thread sees its connection close meanwhile


def test_a_client_in_a_reference_cycle(late_gc, live_server):
    session = requests.Session()
    kept = []
    session.hooks["response"].append(lambda response, *args, **kwargs: kept.append(response))
    assert session.get(f"{live_server.url}/api/schema/", timeout=10).status_code == 200
