"""DPoP's cost in process: checking a fresh proof beside one raw ES256 verify, and the cache round trips per request.

Run: `.venv/bin/python -m bench.dpop [--quick]` for times (best of several rounds, µs per call; on
a loaded host only the ratio means anything), and `--instructions` for the same comparison in
machine instructions counted by valgrind's cachegrind (a child of N calls minus one of none, as
`bench.instructions` does), which the host's load does not move. Every proof is new (its own
`jti`, as a client makes one per request) and signed by one ES256 key, so the key is decoded
once and each check is the claims, the signature and the URL and token-hash comparisons. The
round-trip count runs the authentication class over real Django requests: the shared cache
operations of one DPoP request and of one bearer request, once the keys are warm.
"""

import argparse
import base64
import os
import sys
import tempfile
import time
from pathlib import Path

from .cachegrind import count, per_call
from .micro import per_call_us
from .ratios import overhead_beyond_verify

URL = "https://api.example/orders"
TOKEN = "header.claims.signature-" + "x" * 700  # the size of a real access token; only hashed here
CALLS = ("none", "raw ES256 verify", "check_proof")
WARM_CALLS = 50


def setup(calls: int, key_pem: bytes | None = None):
    """Django configured for the proof check, an ES256 key, `calls` fresh proofs and the reference verify."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
    os.environ.setdefault("CACHE_URL", "locmemcache://bench")
    os.environ.setdefault("DATABASE_URL", "sqlite://:memory:")
    import django

    django.setup()
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    from ccproject.dpop import PROOF_ALGORITHMS, ProofRules, check_proof
    from ccproject.dpop_signer import DPoPKey

    private = serialization.load_pem_private_key(key_pem, password=None) if key_pem else None
    key = DPoPKey(private)
    proofs = [key.proof("GET", URL, access_token=TOKEN) for _ in range(calls)]
    rules = ProofRules(algorithms=frozenset(PROOF_ALGORITHMS))
    public = key.private_key.public_key()
    signing_input, _, signature = proofs[0].rpartition(".")
    raw = base64.urlsafe_b64decode(signature + "==")
    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    message, algorithm = signing_input.encode(), ec.ECDSA(hashes.SHA256())

    def raw_verify(_: int) -> None:
        public.verify(der, message, algorithm)

    now = time.time()  # every proof was made by now, and is checked at this one time (no clock in the count)

    def check(i: int) -> None:
        check_proof(proofs[i], method="GET", url=URL, rules=rules, now=now, access_token=TOKEN)

    return key, raw_verify, check


def overhead_line(check: float, verify: float) -> str:
    """The proof check's parse-and-check cost beyond its ES256 verify, in verifies (the same run's)."""
    overhead = overhead_beyond_verify(check, verify)
    return f"check_proof beyond the ES256 verify: {overhead:.2f} x the verify  (goal <= 0.30)"


def round_trips() -> dict[str, list[str]]:
    """The shared-cache operations of one DPoP and one bearer request through the authentication class."""
    from unittest import mock

    from django.core.cache import caches
    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from api.authentication import OAuthClientCredentialsAuthentication
    from api.principal import ValidatedToken
    from ccproject.dpop_signer import DPoPKey

    key = DPoPKey()
    claims = {"iss": "https://issuer.example", "cnf": {"jkt": key.thumbprint}}
    bound = ValidatedToken(claims=claims, client_id="c", scopes=frozenset({"hello:read"}), issuer=claims["iss"])
    bearer = ValidatedToken(claims={"iss": claims["iss"]}, client_id="c", scopes=frozenset(), issuer=claims["iss"])
    factory, auth = APIRequestFactory(), OAuthClientCredentialsAuthentication()
    operations: list[str] = []
    backend = caches["default"]
    names = ("get", "set", "add", "start_add", "delete", "get_many", "set_many", "incr", "touch", "has_key")
    names = [name for name in names if hasattr(backend, name)]  # start_add: ccproject.redis_cache only

    def counting(name: str, original):
        def call(*args, **kwargs):
            operations.append(name)
            return original(*args, **kwargs)

        return call

    patches = [mock.patch.object(backend, name, counting(name, getattr(backend, name))) for name in names]
    counted = {}
    with mock.patch.object(
        OAuthClientCredentialsAuthentication,
        "validate",
        staticmethod(lambda token, now: bound if token == "bound" else bearer),
    ):
        for patch in patches:
            patch.start()
        try:
            for kind, token in (("DPoP request", "bound"), ("bearer request", "plain")):
                operations.clear()
                headers = {"HTTP_AUTHORIZATION": f"{'DPoP' if kind.startswith('DPoP') else 'Bearer'} {token}"}
                if kind.startswith("DPoP"):
                    headers["HTTP_DPOP"] = key.proof("GET", "http://127.0.0.1/", access_token=token)
                auth.authenticate(Request(factory.get("/", HTTP_HOST="127.0.0.1", **headers)))
                counted[kind] = list(operations)
        finally:
            for patch in patches:
                patch.stop()
    return counted


def child(kind: str, calls: int, key_file: Path) -> int:
    _key, raw_verify, check = setup(WARM_CALLS + calls, key_file.read_bytes())
    kinds = {"raw ES256 verify": raw_verify, "check_proof": check}
    for warm in kinds.values():
        for i in range(WARM_CALLS):
            warm(i)
    if kind == "none":
        return 0
    for i in range(WARM_CALLS, WARM_CALLS + calls):
        kinds[kind](i)
    return calls


def count_instructions(calls: int) -> dict[str, float]:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with tempfile.TemporaryDirectory(prefix="ccp-bench-") as tmp:
        key_file = Path(tmp) / "key.pem"
        key_file.write_bytes(pem)
        counts = {}
        for kind in CALLS:
            print(f"counting: {kind}...", file=sys.stderr)
            counts[kind] = count("bench.dpop", kind, calls, key_file)
    return per_call(counts, calls)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few calls: checks the harness, not the numbers")
    parser.add_argument("--instructions", action="store_true", help="count instructions with cachegrind instead")
    parser.add_argument("--calls", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None)
    parser.add_argument("--child", choices=CALLS, help=argparse.SUPPRESS)
    parser.add_argument("--key", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(f"{child(args.child, args.calls, args.key)} calls of {args.child}")
        return 0
    if args.instructions:
        calls = args.calls or (20 if args.quick else 500)
        rows = count_instructions(calls)
        print(f"instructions per call (cachegrind), {calls} calls against a run of none")
        for name, value in rows.items():
            print(f"  {name:<20} {value:12,.0f}")
        print(
            f"ratio check_proof / raw ES256 verify: {rows['check_proof'] / rows['raw ES256 verify']:.2f}  (goal <= 1.3)"
        )
        print(overhead_line(rows["check_proof"], rows["raw ES256 verify"]))
        return 0
    calls = args.calls or (100 if args.quick else 2000)
    rounds = args.rounds or (2 if args.quick else 7)
    _key, raw_verify, check = setup(calls * rounds)
    raw = per_call_us(raw_verify, calls, rounds)
    results = []
    for r in range(rounds):  # every call a proof never checked before
        results.append(per_call_us(lambda i, r=r: check(r * calls + i), calls, 1)[0])
    print(f"DPoP proof check: {calls} calls x {rounds} rounds, best (median) µs per call")
    print(f"  raw ES256 verify (cryptography)   {raw[0]:8.1f} µs  ({raw[1]:.1f})")
    print(f"  check_proof, a new proof          {min(results):8.1f} µs  ({sorted(results)[len(results) // 2]:.1f})")
    print(f"ratio check_proof / raw ES256 verify: {min(results) / raw[0]:.2f}  (goal <= 1.3)")
    print(overhead_line(min(results), raw[0]))
    for kind, operations in round_trips().items():
        print(f"shared-cache operations per {kind}: {len(operations)} {operations}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
