"""bench.dpop_throughput end to end in quick mode (gunicorn, wrk, a private Redis): every variant, both ratios."""

import re

import pytest

from tests.support.redis_server import start_private_redis

from .modules import run_bench

WHERE = {"redis": "Redis", "memory": "each worker's memory"}
VARIANTS = (
    "unauthenticated, same wrk script",
    "bearer, one token",
    "bearer + one replay-store add",
    "DPoP, one token, a new proof each",
)


@pytest.mark.parametrize("cache", ["redis", "memory"])
def test_dpop_throughput_quick_reports_every_variant(wrk, cache):
    if cache == "redis":
        start_private_redis().stop()  # skips without redis-server (fails under CI, which installs it)
    completed = run_bench("dpop_throughput", "--quick", "--cache", cache)
    assert completed.returncode == 0, completed.stderr[-3000:]
    out = completed.stdout
    assert f"API cache in {WHERE[cache]}" in out
    for variant in VARIANTS:
        # Every variant ran without a failed request (the harness raises otherwise) and has a rate.
        assert re.search(rf"^  {re.escape(variant)}\s+\d+\s+\d+\s+\d+\.\d\d$", out, re.M), out
    assert re.search(r"^DPoP / bearer \+ one replay-store add: \d+\.\d\d paired", out, re.M), out
