"""The benchmark harness: no rate over failed requests; ratios best against best and paired by round."""

import os
import statistics
import subprocess
import sys
import time

import pytest

from bench.harness import (
    BenchError,
    WrkResult,
    children_cpu_seconds,
    cpu_seconds,
    parse_wrk,
    require_no_errors,
    setup_cpu_seconds,
)
from bench.throughput import paired_ratios, require_tokens_unused, summarize

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


def run(rate: float, cpu: float, client: float = 60.0) -> WrkResult:
    return WrkResult(rate, 1.0, 2.0, int(rate * 5), 0, server_cpu_us=cpu, client_cpu_us=client)


def test_ratios_are_reported_best_against_best_and_paired_round_by_round():
    # Round two is busy for everyone: its baseline is slow, and so is the variant.
    runs = {
        "base": [run(3000, 650), run(2000, 700), run(2900, 660)],
        "auth": [run(2700, 700, 70), run(1900, 760, 90), run(2800, 690, 75)],
    }
    summary = summarize(runs, "base")
    assert summary["base"]["ratio"] == summary["base"]["paired_ratio"] == 1.0
    assert summary["auth"]["requests_per_s"] == 2800
    assert summary["auth"]["ratio"] == pytest.approx(2800 / 3000)
    assert summary["auth"]["paired_ratio"] == pytest.approx(statistics.median([0.9, 0.95, 2800 / 2900]))
    assert summary["auth"]["server_cpu_us"] == 700
    assert summary["auth"]["server_cpu_us_added"] == 700 - 660
    assert (summary["base"]["client_cpu_us"], summary["auth"]["client_cpu_us"]) == (60, 75)
    assert [r["requests_per_s"] for r in summary["auth"]["rounds"]] == [2700, 1900, 2800]
    assert paired_ratios(runs["auth"], runs["base"]) == pytest.approx([0.9, 0.95, 2800 / 2900])


def test_the_cpu_time_of_processes_is_read_from_proc():
    # /proc counts in clock ticks (10 ms): each reading may be up to a tick short, so the spin
    # is long and the bound a few ticks below it (a 50 ms spin once read 39.99 ms in CI).
    before = cpu_seconds([os.getpid()])
    deadline = time.process_time() + 0.2
    while time.process_time() < deadline:
        pass
    assert cpu_seconds([os.getpid()]) - before >= 0.15


def test_the_cpu_time_of_a_finished_child_is_counted():
    before = children_cpu_seconds()
    spin = "import time\nend = time.process_time() + 0.2\nwhile time.process_time() < end: pass"
    subprocess.run([sys.executable, "-c", spin], check=True)
    assert children_cpu_seconds() - before >= 0.15


def test_a_childs_setup_is_the_cpu_time_it_spent_before_starting_its_threads():
    # As wrk does: set up (here: spin 0.2 s), then start the run's thread (which spins too).
    child = (
        "import threading, time\n"
        "def spin(seconds):\n"
        "    end = time.process_time() + seconds\n"
        "    while time.process_time() < end: pass\n"
        "spin(0.2)\n"
        "threading.Thread(target=spin, args=(0.3,)).start()\n"
    )
    process = subprocess.Popen([sys.executable, "-c", child])
    setup = setup_cpu_seconds(process, threads=1)
    process.wait()
    assert 0.15 <= setup < 0.4


def test_a_child_that_exits_before_starting_threads_had_no_run():
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    assert setup_cpu_seconds(process, threads=1) == 0.0


def test_a_never_seen_token_run_that_ran_out_of_tokens_is_refused():
    require_tokens_unused(run(2000, 800), tokens=10_000)  # 10,000 requests: each token once
    with pytest.raises(BenchError, match="10000 requests with 9999 distinct tokens"):
        require_tokens_unused(run(2000, 800), tokens=9_999)
