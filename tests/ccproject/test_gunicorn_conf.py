"""deploy/gunicorn.conf.py: the worker hook hides the loaded app from the GC; Prometheus' files are kept right."""

import gc
import os
import runpy
import tempfile
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config

from ccproject.log_format import JsonFormatter
from ccproject.redaction import GunicornLogger

CONFIG = Path(__file__).resolve().parents[2] / "deploy" / "gunicorn.conf.py"


def test_post_worker_init_freezes_what_the_worker_loaded():
    config = runpy.run_path(str(CONFIG))
    gc.unfreeze()
    assert gc.get_freeze_count() == 0
    try:
        config["post_worker_init"](worker=SimpleNamespace(log=None))  # gunicorn's own logger has no formats
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_on_starting_empties_the_metrics_directory_of_an_earlier_run(tmp_path, monkeypatch):
    directory = tmp_path / "prometheus"
    directory.mkdir()
    for name in ("counter_41.db", "gauge_livesum_41.db", "histogram_41.db", "notes.txt"):
        (directory / name).write_bytes(b"x")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    runpy.run_path(str(CONFIG))["on_starting"](server=None)
    assert sorted(path.name for path in directory.iterdir()) == ["notes.txt"]


def test_on_starting_creates_the_metrics_directory(tmp_path, monkeypatch):
    directory = tmp_path / "a" / "prometheus"
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(directory))
    runpy.run_path(str(CONFIG))["on_starting"](server=None)
    assert directory.is_dir()


def test_child_exit_marks_the_worker_dead_for_prometheus(tmp_path, monkeypatch):
    for name in ("gauge_livesum_41.db", "gauge_liveall_41.db", "gauge_livesum_42.db", "counter_41.db"):
        (tmp_path / name).write_bytes(b"x")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    class Worker:
        pid = 41

    runpy.run_path(str(CONFIG))["child_exit"](server=None, worker=Worker())
    # Its live gauges go; its counters stay in the sum (they counted what happened).
    assert sorted(path.name for path in tmp_path.iterdir()) == ["counter_41.db", "gauge_livesum_42.db"]


def test_without_a_directory_the_master_makes_a_private_one_and_removes_it(tmp_path, monkeypatch):
    """Unconfigured, the workers still share a directory, so /metrics sums them all."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "placeholder")  # restored (unset) after the test
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    config = runpy.run_path(str(CONFIG))
    config["on_starting"](server=None)
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    assert directory.is_dir() and directory.parent == tmp_path
    assert directory.stat().st_mode & 0o777 == 0o700
    config["on_exit"](server=None)
    assert not directory.exists()


def test_a_configured_directory_outlives_the_server(tmp_path, monkeypatch):
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    config = runpy.run_path(str(CONFIG))
    config["on_starting"](server=None)
    config["on_exit"](server=None)
    assert tmp_path.is_dir()


def test_post_worker_init_follows_djangos_log_format(settings, monkeypatch):
    monkeypatch.delenv("LOG_FORMAT", raising=False)  # the master saw none: the .env file set it
    settings.LOG_FORMAT = "json"
    cfg = Config()
    cfg.set("accesslog", "-")
    logger = GunicornLogger(cfg)
    handlers = [h for log in (logger.error_log, logger.access_log) for h in log.handlers if getattr(h, "_gunicorn", 0)]
    assert handlers and not any(isinstance(h.formatter, JsonFormatter) for h in handlers)
    config = runpy.run_path(str(CONFIG))
    try:
        config["post_worker_init"](worker=SimpleNamespace(log=logger))
    finally:
        gc.unfreeze()
    assert all(isinstance(h.formatter, JsonFormatter) for h in handlers)


def test_the_access_log_ends_with_the_request_id():
    config = runpy.run_path(str(CONFIG))
    assert config["access_log_format"].endswith("%({x-request-id}o)s")
