"""gunicorn settings for ccproject: `gunicorn -c deploy/gunicorn.conf.py ccproject.wsgi`.

Every value can be overridden by an environment variable of the same name in upper case
(`GUNICORN_WORKERS`, ...). Threads matter: when the embedded issuer runs in the same server
as the API, a request that must fetch the issuer's keys calls this very server over HTTP;
with one worker of one thread that call would wait for itself until the timeout. The
`gthread` worker with at least two threads always has a thread free for it.
"""

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path


def _int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000").split(",")
worker_class = "gthread"
workers = _int("GUNICORN_WORKERS", min(2 * multiprocessing.cpu_count() + 1, 8))
threads = _int("GUNICORN_THREADS", 4)
if threads < 2:
    raise RuntimeError("GUNICORN_THREADS must be at least 2: the API may call the embedded issuer in this server.")

# A worker silent for this long is killed and replaced. It must exceed the API's longest
# outbound wait (API_AUTH HTTP_TIMEOUT, 3.05 s + 5 s by default, per attempt).
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# Recycling workers hides leaks; off unless asked for (the soak test checks memory stays flat).
max_requests = _int("GUNICORN_MAX_REQUESTS", 0)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 0)

# gunicorn's C parser (gunicorn-h1c, deploy/requirements.txt) when installed, else its Python one.
http_parser = os.environ.get("GUNICORN_HTTP_PARSER", "auto")

# Request size limits. The longest header a client needs is "Authorization: Bearer <token>" with a
# token of API_AUTH MAX_TOKEN_BYTES (8 KiB): 8,216 bytes with its CRLF, over gunicorn's default
# 8,190 (a token the API accepts got 431 from gunicorn). Raise this with MAX_TOKEN_BYTES.
limit_request_line = 4094
limit_request_fields = 100
limit_request_field_size = 8192 + 64

# Trust X-Forwarded-* only from the proxy in front (comma-separated addresses).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs go to stdout/stderr for the process supervisor. The access log format holds no request
# headers, so bearer tokens never reach it; it ends with the request's id (the response's
# X-Request-ID). A token or secret a client puts in the query (which the service refuses) is
# redacted from both logs by the logger class, whatever the format; with LOG_FORMAT=json the
# logger class writes both logs as JSON lines, like Django's.
accesslog = os.environ.get("GUNICORN_ACCESSLOG", "-") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOGLEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms %({x-request-id}o)s'
logger_class = "ccproject.redaction.GunicornLogger"

# Each worker builds its own in-process key cache after fork; nothing to share before it.
preload_app = False


def post_worker_init(worker) -> None:
    """Once the worker has loaded the app: gunicorn's own lines in Django's `LOG_FORMAT` (which may
    come from the .env file, which the master never reads), and everything the worker allocated so
    far (modules, settings, URL patterns, keys) out of the cyclic garbage collector's sight: those
    objects live as long as the process, and each full collection would otherwise walk them all again."""
    import gc

    from django.conf import settings

    use_format = getattr(worker.log, "use_format", None)  # None under gunicorn's own logger (the benchmarks')
    if use_format is not None:
        use_format(settings.LOG_FORMAT)
    gc.freeze()


# Prometheus (GET /metrics): each worker writes its metrics to files in PROMETHEUS_MULTIPROC_DIR and
# /metrics sums them (ccproject/metrics.py). Unset, the master makes a private directory for its
# workers (removed when it exits), so the sums are right without configuration. Files of a previous
# run would be summed too: the master empties the directory before the first worker starts.
MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_FILES = ("counter_*.db", "gauge_*.db", "histogram_*.db", "summary_*.db")
_private_metrics_dir: list[str] = []


def on_starting(server) -> None:
    """Give the workers an empty `PROMETHEUS_MULTIPROC_DIR`: the one set (created if needed), else a private one."""
    directory = os.environ.get(MULTIPROC_ENV)
    if not directory:
        directory = tempfile.mkdtemp(prefix="ccproject-prometheus-")
        _private_metrics_dir.append(directory)
        os.environ[MULTIPROC_ENV] = directory  # the workers inherit it
    path = Path(directory)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for pattern in METRICS_FILES:
        for stale in path.glob(pattern):
            stale.unlink(missing_ok=True)


def child_exit(server, worker) -> None:
    """A worker is gone: prometheus_client forgets its live gauges (its counters stay in the sums)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)


def on_exit(server) -> None:
    """Remove the private metrics directory `on_starting` made (never one that was configured)."""
    for directory in _private_metrics_dir:
        shutil.rmtree(directory, ignore_errors=True)
