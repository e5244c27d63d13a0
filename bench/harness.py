"""What the server benchmarks share: gunicorn processes on loopback, a Django environment, wrk runs."""

import os
import random
import re
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
WRK_DIR = Path(__file__).resolve().parent / "wrk"
# One server configuration for every variant (the rule): 2 workers of one thread each,
# so each worker serves one request at a time, as a sync worker does. Not the `sync` class
# itself: it answers every request with `Connection: close` (it has no keep-alive), so wrk
# would measure a TCP handshake per request; the one-thread `gthread` worker keeps them open.
# Kept-alive connections stay with the worker that accepted them, and a waking gthread worker
# accepts every pending one: wrk's 4 connections often all landed in one worker, leaving the
# other idle and halving the rate of that run. Two connections per worker at most
# (`--worker-connections 2`) splits wrk's 4 evenly.
# No control socket: every gunicorn 27 master would otherwise share ~/.gunicorn/gunicorn.ctl.
GUNICORN_OPTIONS = [
    *(
        "--workers",
        "2",
        "--worker-class",
        "gthread",
        "--threads",
        "1",
        "--keep-alive",
        "5",
        "--worker-connections",
        "2",
    ),
    *("--config", "bench/gunicorn_conf.py"),  # production's gc.freeze(); gunicorn runs in ROOT
    "--no-control-socket",
]
# The API's per-client throttle (100/s by default) would answer most of a benchmark's requests
# with 429: a rate no run reaches keeps its cost (a cache add and incr per request) in every
# variant without it refusing anything.
UNREACHED_THROTTLE_RATE = "100000000/s"


def http_parser() -> str:
    """Which HTTP parser the benchmark's gunicorn uses (`auto`: the C one when it is installed)."""
    try:
        from importlib.metadata import version

        import gunicorn_h1c  # noqa: F401
    except ImportError:
        return "python (gunicorn-h1c not installed: pip install -r bench/requirements.txt)"
    return f"C (gunicorn-h1c {version('gunicorn-h1c')})"


class BenchError(RuntimeError):
    """A measurement that cannot be trusted (failed requests), reported instead of a rate."""


def free_port() -> int:
    """A free loopback port below Linux's ephemeral range, so outgoing connections cannot take it first."""
    for _ in range(200):
        port = random.randrange(20000, 32000)
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def django_env(workdir: Path, **extra: str) -> dict[str, str]:
    """The environment of a benchmark server: bench settings, a private SQLite file, no `.env`."""
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.settings",
        "ENV_FILE": os.devnull,
        "DATABASE_URL": f"sqlite:///{workdir / 'bench.sqlite3'}",
        "CACHE_URL": "dbcache://ccproject_cache",
        "PYTHONPATH": str(ROOT),
        "API_THROTTLE_RATE": UNREACHED_THROTTLE_RATE,
    }
    env.update(extra)
    return env


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], env=env, check=True, cwd=ROOT)


def setup_django(env: dict[str, str]) -> None:
    """Configure Django in this process with a server's environment (to mint tokens, create clients)."""
    os.environ.update(env)
    import django

    django.setup()


class Gunicorn:
    """A gunicorn master serving the project on 127.0.0.1, stopped on exit (SIGTERM, then SIGKILL)."""

    def __init__(self, env: dict[str, str], *, port: int | None = None, options: list[str] | None = None):
        self.env = env
        self.port = port or free_port()
        self.options = GUNICORN_OPTIONS if options is None else options
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/", timeout: float = 60) -> "Gunicorn":
        command = [sys.executable, "-m", "gunicorn", "ccproject.wsgi:application", "-b", f"127.0.0.1:{self.port}"]
        # A file, not a pipe: nobody reads a pipe during the run, and a full one blocks the workers.
        self.log = tempfile.NamedTemporaryFile(prefix="ccp-bench-gunicorn-", suffix=".log")  # noqa: SIM115
        self.process = subprocess.Popen(
            [*command, *self.options], env=self.env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=self.log
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn exited: {Path(self.log.name).read_text(errors='replace')[-2000:]}")
            try:
                requests.get(self.url + ready_path, timeout=2)
                if len(self.worker_pids()) >= self.workers:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.2)
        self.stop()
        raise RuntimeError(f"gunicorn on port {self.port} did not start within {timeout} s")

    @property
    def workers(self) -> int:
        return int(self.options[self.options.index("--workers") + 1]) if "--workers" in self.options else 1

    def worker_pids(self) -> list[int]:
        """The master's children, read from /proc (Linux)."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = proc_stat(int(stat.parent.name))
            except OSError:
                continue
            if int(fields[PPID]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def __enter__(self) -> "Gunicorn":
        return self if self.process else self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def rss_kib(pid: int) -> int:
    """Resident memory of a process, KiB (`VmRSS` of /proc/PID/status)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for {pid}")


# Indexes into `proc_stat`'s fields (proc(5) numbers them from 1 with pid and command first).
PPID, UTIME, STIME = 1, 11, 12


def proc_stat(pid: int) -> list[str]:
    """The fields of `/proc/PID/stat` after the parenthesised command (which may hold spaces), Linux."""
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time the processes have used, seconds."""
    ticks = 0
    for pid in pids:
        fields = proc_stat(pid)
        ticks += int(fields[UTIME]) + int(fields[STIME])
    return ticks / os.sysconf("SC_CLK_TCK")


def setup_cpu_seconds(process: subprocess.Popen, threads: int) -> float:
    """The CPU time wrk spent before its run: until its `threads` threads exist, seconds.

    wrk runs a script's `init` (the token script formats every request) for each thread before
    starting it, and starts its clock after: that time is not the run's, and neither is the
    servers' CPU meanwhile (they are idle). Linux: threads are counted in /proc/PID/task.
    """
    tasks = Path(f"/proc/{process.pid}/task")
    while process.poll() is None:
        try:
            if len(list(tasks.iterdir())) > threads:
                return cpu_seconds([process.pid])
        except FileNotFoundError:  # exited between poll() and the listing
            break
        time.sleep(0.001)
    return 0.0


def children_cpu_seconds() -> float:
    """User plus system CPU time of this process's finished (waited-for) children, seconds."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


@dataclass
class WrkResult:
    requests_per_s: float
    p50_ms: float
    p99_ms: float
    requests: int
    errors: int  # non-2xx/3xx answers plus socket errors
    non_2xx: int = 0
    socket_errors: int = 0
    # The server's CPU time per request, µs: what a variant costs the server whatever share of
    # the two cores wrk took meanwhile (None when the workers were not named).
    server_cpu_us: float | None = None
    # wrk's own CPU time per request during the run (its script's setup excluded), µs: the load
    # generator shares the two cores with the server, so what it spends the server does not get.
    client_cpu_us: float | None = None

    def as_dict(self) -> dict:
        return self.__dict__.copy()


_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(value) * _UNITS[unit]


def parse_wrk(output: str) -> WrkResult:
    """Requests/s, p50, p99 and errors from `wrk --latency` output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = _ms(re.search(r"^\s+50%\s+(\S+)", output, re.M).group(1))
    p99 = _ms(re.search(r"^\s+99%\s+(\S+)", output, re.M).group(1))
    total = int(re.search(r"(\d+) requests in", output).group(1))
    non_2xx = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", output))
    found = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    socket_errors = sum(int(n) for n in found.groups()) if found else 0
    return WrkResult(rps, p50, p99, total, non_2xx + socket_errors, non_2xx, socket_errors)


def run_wrk(
    url: str,
    *,
    duration: float,
    connections: int = 4,
    threads: int = 1,
    token: str | None = None,
    tokens_file: Path | None = None,
    script: str = "tokens.lua",
    allow_errors: bool = False,
    server_pids: list[int] | None = None,
) -> WrkResult:
    """Drive `url` with wrk for `duration` seconds: one bearer token, or a file of them cycled through
    by `script` (`tokens.lua`: one bearer token a line; `dpop.lua`: a token and a proof a line).

    Raises `BenchError` when any request failed (a non-2xx answer or a socket error), unless
    `allow_errors`: a rate over failed requests measures the failure, not the variant. With
    `server_pids` (the server's workers), their CPU time per request is measured as well; wrk's
    own is always measured. Both count from the start of the run, after the script's setup.
    """
    command = ["wrk", "--latency", "-t", str(threads), "-c", str(connections), "-d", f"{max(1, round(duration))}s"]
    env = {**os.environ}
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    if tokens_file:
        command += ["-s", str(WRK_DIR / script)]
        env["WRK_TOKENS"] = str(tokens_file)
    client_before = children_cpu_seconds()
    process = subprocess.Popen([*command, url], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    client_setup = setup_cpu_seconds(process, threads)
    cpu_before = cpu_seconds(server_pids) if server_pids else None
    stdout, stderr = process.communicate()
    if process.returncode:
        raise subprocess.CalledProcessError(process.returncode, process.args, stdout, stderr)
    client_cpu = children_cpu_seconds() - client_before - client_setup
    result = parse_wrk(stdout)
    if result.requests:
        result.client_cpu_us = client_cpu / result.requests * 1e6
        if cpu_before is not None:
            result.server_cpu_us = (cpu_seconds(server_pids) - cpu_before) / result.requests * 1e6
    return result if allow_errors else require_no_errors(result, url)


def require_no_errors(result: WrkResult, url: str) -> WrkResult:
    """`result` itself, or `BenchError` when any of its requests failed."""
    if result.errors:
        raise BenchError(
            f"{url}: {result.errors} of {result.requests} requests failed ({result.non_2xx} non-2xx answers,"
            f" {result.socket_errors} socket errors); no rate is reported over failed requests"
        )
    return result


class RedisServer:
    """A private redis-server on a free loopback port (never the shared one), stopped on exit."""

    def __init__(self):
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self) -> "RedisServer":
        command = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(host="127.0.0.1", port=self.port)
        for _ in range(100):
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("redis-server did not start")

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def start_wrk(url: str, *, duration: float, tokens_file: Path, connections: int = 2) -> subprocess.Popen:
    """wrk in the background cycling through a token file (several servers are driven at once)."""
    command = ["wrk", "--latency", "-t", "1", "-c", str(connections), "-d", f"{max(1, round(duration))}s"]
    command += ["-s", str(WRK_DIR / "tokens.lua"), url]
    env = {**os.environ, "WRK_TOKENS": str(tokens_file)}
    return subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish_wrk(process: subprocess.Popen) -> WrkResult:
    stdout, stderr = process.communicate(timeout=600)
    if process.returncode != 0:
        raise RuntimeError(f"wrk failed: {stderr}")
    return parse_wrk(stdout)
