"""Bounds for hostile-input tests: a per-example time limit and an allocation ceiling."""

import signal
import tracemalloc
from collections.abc import Iterator
from contextlib import contextmanager


class ExampleHung(AssertionError):
    """An example ran past its time limit: a hang, or work that grows with hostile input."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Fail the enclosed block if it runs longer than `seconds` (SIGALRM; main thread, POSIX)."""

    def expire(signum, frame):
        raise ExampleHung(f"the example ran longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


class AllocationPeak:
    """The peak of Python allocations inside a `with` block, in bytes (`tracemalloc`)."""

    peak: int = 0

    def __enter__(self) -> "AllocationPeak":
        self._started = not tracemalloc.is_tracing()
        if self._started:
            tracemalloc.start()
        tracemalloc.reset_peak()
        self._baseline = tracemalloc.get_traced_memory()[0]
        return self

    def __exit__(self, *exc) -> None:
        self.peak = tracemalloc.get_traced_memory()[1] - self._baseline
        if self._started:
            tracemalloc.stop()


@contextmanager
def bounded(seconds: float = 10.0, max_bytes: int = 16 * 1024 * 1024) -> Iterator[None]:
    """Both bounds at once: no hang beyond `seconds`, no more than `max_bytes` allocated at peak."""
    with AllocationPeak() as memory, time_limit(seconds):
        yield
    assert memory.peak <= max_bytes, f"the example allocated {memory.peak} bytes at peak (limit {max_bytes})"
