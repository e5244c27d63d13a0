"""gunicorn config of the benchmark servers: the production hooks only (deploy/gunicorn.conf.py).

The settings themselves are `bench.harness.GUNICORN_OPTIONS`, the same for every variant.
"""

import runpy
from pathlib import Path

post_worker_init = runpy.run_path(str(Path(__file__).resolve().parent.parent / "deploy" / "gunicorn.conf.py"))[
    "post_worker_init"
]
