"""bench.metrics_overhead: its "off" server silences every metrics event, and only those."""

import inspect

import pytest

from bench import metrics_overhead
from ccproject import metrics

from .modules import run_bench

# Functions of ccproject.metrics that are helpers, not events.
NOT_EVENTS = {"status_class"}


def test_events_names_every_event_of_ccproject_metrics():
    functions = {
        name
        for name, function in inspect.getmembers(metrics, inspect.isfunction)
        if function.__module__ == metrics.__name__ and not name.startswith("_")
    }
    assert set(metrics_overhead.EVENTS) == functions - NOT_EVENTS


def test_disable_metrics_makes_every_event_a_no_op(monkeypatch):
    for name in metrics_overhead.EVENTS:
        monkeypatch.setattr(metrics, name, getattr(metrics, name))  # restored after the test
    before = metrics._ACCEPTED._value.get()
    metrics_overhead.disable_metrics()
    metrics.token_accepted()
    assert metrics._ACCEPTED._value.get() == before
    assert all(getattr(metrics, name) is metrics_overhead._nothing for name in metrics_overhead.EVENTS)


@pytest.mark.parametrize("argv", [["--connections", "5"], ["--connections", "0"]])
def test_connections_are_bounded_like_the_throughput_benchmark(argv):
    with pytest.raises(SystemExit):
        metrics_overhead.main(argv)


@pytest.mark.parametrize("variant", ["on", "off"])
def test_an_instruction_counting_child_serves_and_counts_as_configured(variant):
    """The child valgrind counts, run without valgrind: it checks its own accepted count (on: all, off: none)."""
    completed = run_bench("metrics_overhead", "--child", variant, "--calls", "3")
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == f"3 requests, metrics {variant}"
