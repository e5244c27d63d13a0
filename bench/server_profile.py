"""Where a first-seen token's server CPU goes: py-spy over the API's gunicorn workers, by part of the request.

Run: `.venv/bin/python -m bench.server_profile [--duration S] [--rate HZ]` (needs wrk and py-spy:
`pip install -r bench/requirements.txt`; py-spy attaches with ptrace, so run it as root or with
`kernel.yama.ptrace_scope=0`). The same two servers as `bench.throughput` (the embedded issuer and
the API, gunicorn with the benchmark's options) serve two runs of the same length: one token sent on
every request, then a never-seen token on every request. During each run, py-spy samples both
workers' Python stacks (`--nonblocking`: the workers are not paused). Each sample is put in one part
of the request by its innermost frame that names one (`PARTS`), and each part's share of the samples
times the run's measured CPU per request (`/proc`, as `bench.throughput` measures it) gives its µs
per request. The table prints both runs and what a first-seen token adds to each part.

Sampling reads Python frames only: time in C (OpenSSL's RSA arithmetic, the JSON scanner, system
calls) is charged to the Python frame that called it, which is what puts the signature in its own
row. Sampling costs the host some CPU beside the workers, so the rates are lower than
`bench.throughput`'s, and a part's figure moves by about the square root of its sample count.
"""

import argparse
import collections
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from .harness import BenchError, Gunicorn, free_port, run_wrk
from .issuer import EmbeddedIssuer

# The parts of a request, each by a piece of the text of a frame py-spy prints (`function
# (path:line)`); the innermost frame that matches any decides, the first piece in this order wins.
SIGNATURE = "signature: the key's verify (PyJWT's RSA algorithm, cryptography)"
PARTS: tuple[tuple[str, str], ...] = (
    (SIGNATURE, "(jwt/algorithms.py:"),
    (SIGNATURE, "VerificationKey.verify (api/keys.py:"),
    ("JSON: the claims (ccproject.strict_json)", "(ccproject/strict_json.py:"),
    ("base64url: the claims and the signature", "(ccproject/b64url.py:"),
    ("cache key: BLAKE2b of the token", "digest_of (api/token_cache.py:"),
    ("cache lookup and admission (doorkeeper)", "(api/token_cache.py:"),
    ("principal and ValidatedToken", "(api/principal.py:"),
    ("metrics (ccproject.metrics, prometheus_client)", "(ccproject/metrics.py:"),
    ("metrics (ccproject.metrics, prometheus_client)", "(prometheus_client/"),
    ("rest of the parse (parse_jwt)", "parse_jwt (api/validation.py:"),
    ("header check", "check_header (api/validation.py:"),
    ("claims checks", "check_claims (api/validation.py:"),
    ("claims checks", "_number (api/validation.py:"),
    ("client id and scopes", "client_id_of (api/validation.py:"),
    ("client id and scopes", "scopes_of (api/validation.py:"),
    ("client id and scopes", "_scope_set (api/validation.py:"),
    ("rest of validate_token and check_token", "(api/validation.py:"),
    ("issuer policy and key lookup", "(api/jwks.py:"),
    ("issuer policy and key lookup", "(api/issuers.py:"),
    ("rest of the authentication class", "(api/authentication.py:"),
    ("DRF (view, permissions, renderer)", "(rest_framework/"),
    ("Django (handler, middleware, response)", "(django/"),
    ("gunicorn (HTTP parsing, sockets, threads)", "(gunicorn/"),
)
OTHER = "other (standard library, interpreter)"
# The parts that validate the token, beside its signature (api.validation and what it calls).
VALIDATOR = frozenset(
    name for name, piece in PARTS if name != SIGNATURE and ("api/" in piece or "ccproject/" in piece)
) - {"rest of the authentication class"}
# py-spy as `pip install -r bench/requirements.txt` puts it beside this interpreter, else on PATH.
_BESIDE = Path(sys.executable).with_name("py-spy")
PY_SPY = str(_BESIDE) if _BESIDE.exists() else "py-spy"
# The part names in table order, each once.
PART_NAMES = (*dict.fromkeys(name for name, _ in PARTS), OTHER)
# Tokens minted per second of run: above what two cores serve while sampled, so none is sent twice.
TOKENS_PER_SECOND = 5_000


def part_of(stack: str) -> str:
    """The part of the request a sampled stack (`;`-separated frames, outermost first) is in."""
    for frame in reversed(stack.split(";")):
        for name, piece in PARTS:
            if piece in frame:
                return name
    return OTHER


def read_samples(text: str) -> collections.Counter:
    """Samples per part from py-spy's raw output (`frame;frame;... count` a line)."""
    counts: collections.Counter = collections.Counter()
    for line in text.splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            counts[part_of(stack)] += int(count)
    return counts


@dataclass
class Profile:
    """One run: the workers' CPU per request (measured) and the samples per part."""

    requests: int
    requests_per_s: float
    cpu_us: float
    samples: collections.Counter

    def us_per_request(self, part: str) -> float:
        total = sum(self.samples.values())
        if not total:
            raise BenchError("py-spy took no samples (can it attach? it needs ptrace)")
        return self.samples[part] / total * self.cpu_us


def table(one: Profile, new: Profile) -> list[str]:
    """The printed rows: each part in µs per request with one token and every token new, and the difference."""
    width = max(map(len, PART_NAMES))
    lines = [f"  {'part of the request':<{width}} {'one token':>10} {'every new':>10} {'added':>8}"]
    for part in PART_NAMES:
        before, after = one.us_per_request(part), new.us_per_request(part)
        lines.append(f"  {part:<{width}} {before:10.1f} {after:10.1f} {after - before:+8.1f}")
    added = new.cpu_us - one.cpu_us
    whole = "whole request (measured CPU)"
    lines.append(f"  {whole:<{width}} {one.cpu_us:10.1f} {new.cpu_us:10.1f} {added:+8.1f}")
    signature = new.us_per_request(SIGNATURE) - one.us_per_request(SIGNATURE)
    validator = sum(new.us_per_request(part) - one.us_per_request(part) for part in VALIDATOR)
    lines.append(
        f"first-seen token: {added:+.0f} us per request: the signature {signature:+.0f} us, the rest of the"
        f" validation {validator:+.0f} us, the rest of the request {added - signature - validator:+.0f} us"
    )
    if signature > 0:
        lines.append(f"the rest of the validation / the signature: {validator / signature:.2f}")
    return lines


def profile(url: str, pids: list[int], *, duration: float, rate: int, work: Path, **wrk) -> Profile:
    """Drive `url` for `duration` seconds while py-spy samples every worker; the run's profile."""
    outputs = [work / f"pyspy-{pid}-{time.monotonic_ns()}.txt" for pid in pids]
    # Sampling stops a second before wrk does: every sample falls inside the measured run.
    record = [PY_SPY, "record", "--rate", str(rate), "--duration", str(max(1, int(duration) - 2))]
    samplers = [
        subprocess.Popen(
            [*record, "--pid", str(pid), "--format", "raw", "--nonblocking", "--output", str(output)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
        )
        for pid, output in zip(pids, outputs, strict=True)
    ]
    result = run_wrk(url, duration=duration, connections=4, server_pids=pids, **wrk)
    samples: collections.Counter = collections.Counter()
    for sampler, output in zip(samplers, outputs, strict=True):
        _, stderr = sampler.communicate()
        if sampler.returncode or not output.exists():
            raise BenchError(f"py-spy failed (exit {sampler.returncode}): {stderr.strip()[-300:]}")
        samples += read_samples(output.read_text(errors="replace"))
    return Profile(result.requests, result.requests_per_s, result.server_cpu_us, samples)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=16, help="seconds per run (default 16)")
    parser.add_argument("--rate", type=int, default=400, help="py-spy samples per second per worker (default 400)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ccp-bench-") as tmp:
        work = Path(tmp)
        issuer = EmbeddedIssuer(work, free_port()).prepare()
        tokens = work / "tokens.txt"
        n_tokens = int(args.duration * TOKENS_PER_SECOND)
        print(f"minting {n_tokens} distinct tokens...", file=sys.stderr)
        tokens.write_text("\n".join(issuer.mint() for _ in range(n_tokens)) + "\n")
        with Gunicorn(issuer.env, port=issuer.port).start(ready_path="/oauth2/default/v1/keys"):
            token = issuer.token()
            with Gunicorn(issuer.env).start(ready_path="/bench/open") as api:
                url, pids = api.url + "/bench/ours", api.worker_pids()
                run_wrk(url, duration=1, connections=4, token=token)  # warm both workers
                common = dict(duration=args.duration, rate=args.rate, work=work)
                one = profile(url, pids, token=token, **common)
                new = profile(url, pids, tokens_file=tokens, **common)
    if new.requests > n_tokens:  # wrk's script cycled back to tokens already cached
        raise BenchError(f"{new.requests} requests with {n_tokens} distinct tokens: some were sent twice")
    print(f"server profile: py-spy at {args.rate} Hz over 2 gunicorn workers, {args.duration:g} s per run")
    print(f"  one token: {one.requests_per_s:.0f} req/s, {one.cpu_us:.0f} us of CPU per request")
    print(f"  every token new: {new.requests_per_s:.0f} req/s, {new.cpu_us:.0f} us of CPU per request")
    print("\n".join(table(one, new)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
