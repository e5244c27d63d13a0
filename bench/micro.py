"""Micro benchmark: the per-call cost of `validate_token` beside one RSA verify and PyJWT's decode.

Run: `.venv/bin/python -m bench.micro [--quick]`. Keys are warm (fetched once from a key
server on loopback before timing); every figure is the best of several rounds, in µs per call.
"""

import argparse
import base64
import os
import statistics
import sys
import time
from collections.abc import Callable

import django


def per_call_us(fn: Callable[[int], object], calls: int, rounds: int) -> tuple[float, float]:
    """The best and the median of `rounds` rounds of `calls` calls, in µs per call."""
    results = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        for i in range(calls):
            fn(i)
        results.append((time.perf_counter_ns() - start) / calls / 1000)
    return min(results), statistics.median(results)


# Larger than this machine's share of the last-level cache: reading it, one byte per 64-byte
# line, leaves the caches holding none of what the timed call uses, as the rest of a request
# does in a server (Django, the HTTP parser, gunicorn's loop run between two validations).
EVICTION_BYTES = 8 * 1024 * 1024


def cold_call_us(fn: Callable[[int], object], calls: int) -> tuple[float, float]:
    """`fn` timed call by call, each after reading `EVICTION_BYTES`: the 10th percentile and the median, µs."""
    other_memory = memoryview(bytearray(EVICTION_BYTES))
    times = []
    for i in range(calls):
        bytes(other_memory[::64])  # one byte of each cache line
        start = time.perf_counter_ns()
        fn(i)
        times.append((time.perf_counter_ns() - start) / 1000)
    times.sort()
    return times[len(times) // 10], statistics.median(times)


def setup_django(issuer) -> None:
    """Django with the benchmark settings, trusting `issuer` (a `bench.keyserver.KeyServer`)."""
    from bench.keyserver import AUDIENCE

    os.environ.update(
        DJANGO_SETTINGS_MODULE="bench.settings",
        ISSUER=issuer.issuer,
        JWKS_URI=issuer.jwks_uri,
        AUDIENCE=AUDIENCE,
        CACHE_URL="locmemcache://bench",
        DATABASE_URL="sqlite://:memory:",
    )
    django.setup()


def reference_calls(issuer, token: str) -> tuple[Callable[[int], object], Callable[[int], object]]:
    """What `token`'s validation is compared with: one raw RSA verify of it, and PyJWT's decode."""
    import jwt
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import padding

    from bench.keyserver import AUDIENCE

    public_key = issuer.signing_key.public_key()
    signing_input, _, signature_b64 = token.rpartition(".")
    signature = base64.urlsafe_b64decode(signature_b64 + "=" * (-len(signature_b64) % 4))
    message = signing_input.encode()

    def raw_verify(_: int) -> None:
        public_key.verify(signature, message, padding.PKCS1v15(), hashes.SHA256())

    def pyjwt_decode(_: int) -> None:
        jwt.decode(token, public_key, algorithms=["RS256"], audience=AUDIENCE, issuer=issuer.issuer)

    return raw_verify, pyjwt_decode


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few calls: checks the harness, not the numbers")
    parser.add_argument("--calls", type=int, default=None, help="calls per round")
    parser.add_argument("--rounds", type=int, default=None)
    args = parser.parse_args(argv)
    calls = args.calls or (100 if args.quick else 2000)
    rounds = args.rounds or (2 if args.quick else 7)

    from bench.keyserver import KeyServer

    with KeyServer() as issuer:
        setup_django(issuer)
        from api.validation import validate_token

        token = issuer.mint()
        validate_token(token)  # keys warm: the one fetch happens here, outside the timing
        fetches_before = issuer.jwks_requests
        raw_verify, pyjwt_decode = reference_calls(issuer, token)

        def repeated(_: int) -> None:
            validate_token(token)

        print(f"minting {calls * rounds} distinct tokens for the first-seen rounds...", file=sys.stderr)
        fresh = [[issuer.mint() for _ in range(calls)] for _ in range(rounds)]
        first_seen_results = []
        for batch in fresh:
            best, _ = per_call_us(lambda i, batch=batch: validate_token(batch[i]), calls, 1)
            first_seen_results.append(best)
        first_seen = (min(first_seen_results), statistics.median(first_seen_results))

        cold_batch = [issuer.mint() for _ in range(calls)]
        rows = {
            "raw RSA-2048 verify (cryptography)": per_call_us(raw_verify, calls, rounds),
            "PyJWT decode, key ready": per_call_us(pyjwt_decode, calls, rounds),
            "validate_token, first-seen token": first_seen,
            "validate_token, repeated token": per_call_us(repeated, calls, rounds),
            "raw RSA-2048 verify, caches cold": cold_call_us(raw_verify, calls),
            "validate_token, first-seen, caches cold": cold_call_us(lambda i: validate_token(cold_batch[i]), calls),
        }
        if issuer.jwks_requests != fetches_before:
            print("warning: the key set was fetched during timing", file=sys.stderr)

    print(f"micro benchmark: {calls} calls x {rounds} rounds, best (median) in µs per call")
    print(f"  caches cold: each call alone, after reading {EVICTION_BYTES >> 20} MiB of other memory; p10 (median)")
    for name, (best, median) in rows.items():
        print(f"  {name:<40} {best:8.1f} µs  ({median:.1f})")
    raw = rows["raw RSA-2048 verify (cryptography)"][0]
    pyjwt = rows["PyJWT decode, key ready"][0]
    print(f"ratio first-seen / PyJWT decode: {first_seen[0] / pyjwt:.2f}  (goal <= 1.00)")
    print(f"ratio repeated / raw RSA verify: {rows['validate_token, repeated token'][0] / raw:.2f}  (goal <= 0.30)")
    print(f"ratio PyJWT decode / raw RSA verify: {pyjwt / raw:.2f}")
    cold = rows["validate_token, first-seen, caches cold"][1]
    print(f"ratio first-seen caches cold / first-seen: {cold / first_seen[1]:.2f}  (medians; what a server pays)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
