"""Instructions per call, counted by valgrind: the micro benchmark's comparisons, free of the host's swings.

Run: `.venv/bin/python -m bench.instructions [--calls N]` (needs valgrind: `apt-get install
valgrind`; ~3 min). Each figure is what one call executes, in machine instructions, counted by
cachegrind: a child process that makes N calls minus one that makes none, divided by N. Both
children do the same work otherwise: the same key (generated here, once), as many tokens minted,
every code path warmed, `PYTHONHASHSEED=0`. So the counts do not move with the machine's load,
and on a busy or unsteady host, where `bench.micro`'s times swing by tens of percent, two
versions of the code can still be compared. Instructions are not time: a cache miss costs
hundreds of instructions' worth and the RSA arithmetic runs several per cycle, so `bench.micro`
and `bench.throughput` remain what say what a call costs.
"""

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

from .harness import ROOT
from .ratios import multiple_of_verify, overhead_beyond_verify

# What a child can do N times; "none" is the baseline every other count is taken against.
CALLS = (
    "none",
    "raw RSA verify",
    "PyJWT decode",
    "validate_token, first-seen",
    "validate_token, repeated",
    "resolve /",
)
WARM_CALLS = 50


def instructions(stderr: str) -> int:
    """The `I refs` total of a cachegrind run's summary."""
    found = re.search(r"I\s+refs:\s+([\d,]+)", stderr)
    if found is None:
        raise RuntimeError(f"no instruction count in valgrind's output:\n{stderr[-2000:]}")
    return int(found.group(1).replace(",", ""))


def per_call(counts: dict[str, int], calls: int) -> dict[str, float]:
    """Instructions per call of each kind: its run's count over the baseline's, divided by `calls`."""
    base = counts["none"]
    return {name: (count - base) / calls for name, count in counts.items() if name != "none"}


def child(kind: str, calls: int, key_file: Path) -> int:
    """Set up as `bench.micro` does, warm every path, then make `calls` calls of `kind`; how many."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    fixed = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
    rsa.generate_private_key = lambda **_: fixed  # the same key in every child

    from bench.keyserver import KeyServer
    from bench.micro import reference_calls, setup_django

    with KeyServer() as issuer:
        setup_django(issuer)
        from django.urls import get_resolver

        from api.validation import validate_token

        # The project's URL map, not the benchmark's: what a request to the hello view resolves through.
        project_urls = get_resolver("ccproject.urls")

        tokens = [issuer.mint() for _ in range(WARM_CALLS + calls)]
        token = tokens[0]
        raw_verify, pyjwt_decode = reference_calls(issuer, token)
        kinds = {
            "raw RSA verify": raw_verify,
            "PyJWT decode": pyjwt_decode,
            "validate_token, first-seen": lambda i: validate_token(tokens[i]),
            "validate_token, repeated": lambda _: validate_token(token),
            "resolve /": lambda _: project_urls.resolve("/"),
        }
        for warm in kinds.values():  # every child runs the same warm-up, whatever it counts
            for i in range(1, WARM_CALLS):
                warm(i)
        if kind == "none":
            return 0
        counted = kinds[kind]
        for i in range(WARM_CALLS, WARM_CALLS + calls):
            counted(i)
        return calls


def count(kind: str, calls: int, key_file: Path) -> int:
    command = [
        "valgrind",
        "--tool=cachegrind",
        "--cache-sim=no",
        "--cachegrind-out-file=/dev/null",
        sys.executable,
        "-m",
        "bench.instructions",
        "--child",
        kind,
        "--calls",
        str(calls),
        "--key",
        str(key_file),
    ]
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    return instructions(completed.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500, help="calls per counted run")
    parser.add_argument("--quick", action="store_true", help="few calls: checks the harness, not the numbers")
    parser.add_argument(
        "--only", action="append", choices=CALLS[1:], help="count only this kind (repeatable); default: every kind"
    )
    parser.add_argument("--child", choices=CALLS, help=argparse.SUPPRESS)
    parser.add_argument("--key", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    calls = 20 if args.quick else args.calls
    if args.child:
        print(f"{child(args.child, calls, args.key)} calls of {args.child}")
        return 0

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    with tempfile.TemporaryDirectory(prefix="ccp-bench-") as tmp:
        key_file = Path(tmp) / "key.pem"
        key_file.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
        )
        counts = {}
        for kind in ("none", *(args.only or CALLS[1:])):
            print(f"counting: {kind}...", file=sys.stderr)
            counts[kind] = count(kind, calls, key_file)
    rows = per_call(counts, calls)
    print(f"instructions per call (cachegrind), {calls} calls against a run of none")
    for name, value in rows.items():
        print(f"  {name:<28} {value:12,.0f}")
    if {"raw RSA verify", "PyJWT decode", "validate_token, first-seen", "validate_token, repeated"} <= set(rows):
        raw, pyjwt = rows["raw RSA verify"], rows["PyJWT decode"]
        print(f"ratio first-seen / PyJWT decode: {rows['validate_token, first-seen'] / pyjwt:.2f}")
        print(f"ratio repeated / raw RSA verify: {rows['validate_token, repeated'] / raw:.2f}")
        # In process, a first-seen token's whole validation is what it adds to a request.
        first_seen = rows["validate_token, first-seen"]
        print(
            f"added by a first-seen token / raw RSA verify: {multiple_of_verify(first_seen, raw):.2f}"
            f"  (goal <= 3.00); beyond the verify: {overhead_beyond_verify(first_seen, raw):.2f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
