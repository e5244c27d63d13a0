"""deploy/gunicorn.conf.py: the worker hook hides the loaded app from the cyclic garbage collector."""

import gc
import runpy
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def test_post_worker_init_freezes_what_the_worker_loaded():
    config = runpy.run_path(str(CONFIG))
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        config["post_worker_init"](worker=None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
