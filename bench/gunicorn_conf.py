"""gunicorn config of the benchmark servers: the production hooks only (deploy/gunicorn.conf.py).

The settings themselves are `bench.harness.GUNICORN_OPTIONS`, the same for every variant.
`BENCH_METRICS=off` makes every metrics event a no-op in each worker (bench.metrics_overhead).
"""

import os
import runpy
from pathlib import Path

_production = runpy.run_path(str(Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"))
on_starting = _production["on_starting"]
child_exit = _production["child_exit"]
on_exit = _production["on_exit"]


def post_worker_init(worker) -> None:
    if os.environ.get("BENCH_METRICS") == "off":
        from bench.metrics_overhead import disable_metrics

        disable_metrics()
    _production["post_worker_init"](worker)
