"""The benchmark harness refuses to report a rate computed over failed requests."""

import pytest

from bench.harness import BenchError, parse_wrk, require_no_errors

CLEAN = """Running 2s test @ http://127.0.0.1:1/bench/open
  Latency Distribution
     50%    1.11ms
     75%    1.20ms
     90%    1.30ms
     99%    1.80ms
  7018 requests in 2.00s, 2.71MB read
Requests/sec:   3509.00
"""

FAILED = CLEAN.replace(
    "Requests/sec:",
    "  Socket errors: connect 0, read 12, write 0, timeout 0\n  Non-2xx or 3xx responses: 6500\nRequests/sec:",
)


def test_a_clean_run_is_reported():
    result = require_no_errors(parse_wrk(CLEAN), "http://127.0.0.1:1/bench/open")
    assert (result.requests, result.errors, result.requests_per_s) == (7018, 0, 3509.0)


def test_failed_requests_raise_instead_of_a_rate():
    result = parse_wrk(FAILED)
    assert (result.non_2xx, result.socket_errors, result.errors) == (6500, 12, 6512)
    with pytest.raises(BenchError, match="6512 of 7018 requests failed"):
        require_no_errors(result, "http://127.0.0.1:1/bench/open")
