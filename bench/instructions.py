"""Instructions per call, counted by valgrind: the micro benchmark's comparisons, free of the host's swings.

Run: `.venv/bin/python -m bench.instructions [--calls N] [--only KIND]... [--steps] [--jobs J]`
(needs valgrind: `apt-get install valgrind`; each kind's child takes a minute or more). Each
figure is what one call executes, in machine instructions, counted by cachegrind: a child process
that makes N calls minus one that makes none, divided by N. Both children do the same work
otherwise: the same keys (made here, once), as many tokens and DPoP proofs minted, every code path
warmed, `PYTHONHASHSEED=0`. So the counts do not move with the machine's load, and on a busy or
unsteady host, where `bench.micro`'s times swing by tens of percent, two versions of the code can
still be compared. Instructions are not time: a cache miss costs hundreds of instructions' worth
and the RSA arithmetic runs several per cycle, so `bench.micro` and `bench.throughput` remain what
say what a call costs.

`--steps` counts the steps of a first-seen token's validation (the `first-seen: ...` kinds, each
on tokens never validated before) beside the whole `validate_token`, and prints them as one table:
the signature, JSON and base64url counted alone, the rest of the parse, the checks and the cache
admission as differences of the nested stages (`parse_jwt`, `check_token`, `validate_token`).
`--jobs J` runs J children at once (each is its own process; the counts do not change).
"""

import argparse
import gc
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from .cachegrind import count, instructions, per_call
from .dpop import overhead_line
from .dpop import setup as dpop_setup
from .ratios import multiple_of_verify, overhead_beyond_verify

__all__ = ["CALLS", "STEPS", "by_step", "count", "instructions", "main", "per_call"]

# The stages of a first-seen token's validation, each counted alone on never-validated tokens.
STEPS = (
    "first-seen: signature",
    "first-seen: JSON",
    "first-seen: base64url",
    "first-seen: parse_jwt",
    "first-seen: check_token",
    "first-seen: cache key",
)
# What a child can do N times; "none" is the baseline every other count is taken against.
CALLS = (
    "none",
    "raw RSA verify",
    "PyJWT decode",
    "validate_token, first-seen",
    "validate_token, repeated",
    "resolve /",
    *STEPS,
    "raw ES256 verify",
    "DPoP check_proof",
)
WARM_CALLS = 50
# The DPoP proofs' signing key: the same in every child (any scalar below the P-256 order).
DPOP_KEY_SCALAR = 0x5EED_CC_D0_9F


def by_step(rows: dict[str, float]) -> list[tuple[str, float]]:
    """The by-step table of a first-seen token from the counted kinds; a row only when its kinds were counted."""
    table = []

    def row(label: str, *terms: str, minus: tuple[str, ...] = ()) -> None:
        if all(name in rows for name in (*terms, *minus)):
            table.append((label, sum(rows[name] for name in terms) - sum(rows[name] for name in minus)))

    row("signature: the key's verify (SHA-256 of the signing input, RSA)", "first-seen: signature")
    row("JSON: the claims through ccproject.strict_json", "first-seen: JSON")
    row("base64url: the claims and the signature segments", "first-seen: base64url")
    row(
        "rest of the parse (parse_jwt - JSON - base64url)",
        "first-seen: parse_jwt",
        minus=("first-seen: JSON", "first-seen: base64url"),
    )
    row(
        "checks, key lookup, principal (check_token - parse_jwt - signature)",
        "first-seen: check_token",
        minus=("first-seen: parse_jwt", "first-seen: signature"),
    )
    row(
        "cache lookup and admission (validate_token - check_token), key included",
        "validate_token, first-seen",
        minus=("first-seen: check_token",),
    )
    row("  of which the cache key (digest_of)", "first-seen: cache key")
    row("validate_token, first-seen", "validate_token, first-seen")
    return table


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
            **first_seen_steps(tokens),
            **dpop_kinds(WARM_CALLS + calls),
        }
        for warm in kinds.values():  # every child runs the same warm-up, whatever it counts
            for i in range(1, WARM_CALLS):
                warm(i)
        # As production's workers do after loading (deploy/gunicorn.conf.py): what is loaded leaves
        # the collector's generations, so a collection during the counted calls walks only what
        # they allocated, and whether one falls inside them no longer moves a count by a full-heap walk.
        gc.collect()
        gc.freeze()
        if kind == "none":
            return 0
        counted = kinds[kind]
        for i in range(WARM_CALLS, WARM_CALLS + calls):
            counted(i)
        return calls


def first_seen_steps(tokens: list[str]) -> dict:
    """The `STEPS` kinds: each stage of a first-seen token's validation, on token `i` (never validated before)."""
    from api.issuers import trusted_issuers
    from api.token_cache import digest_of
    from api.validation import _key_set_of, check_token, parse_jwt
    from ccproject.b64url import b64url_decode
    from ccproject.strict_json import loads

    segments = [token.split(".") for token in tokens]
    parsed = [parse_jwt(token) for token in tokens]
    claims_text = [b64url_decode(claims).decode("utf-8") for _, claims, _ in segments]
    policies = trusted_issuers()
    key = _key_set_of(policies[parsed[0].claims["iss"]]).get_key(parsed[0].header["kid"])
    return {
        "first-seen: signature": lambda i: key.verify(parsed[i].signing_input, parsed[i].signature),
        "first-seen: JSON": lambda i: loads(claims_text[i]),
        "first-seen: base64url": lambda i: (b64url_decode(segments[i][1]), b64url_decode(segments[i][2])),
        "first-seen: parse_jwt": lambda i: parse_jwt(tokens[i]),
        "first-seen: check_token": lambda i: check_token(tokens[i], policies, _key_set_of, time.time()),
        "first-seen: cache key": lambda i: digest_of(tokens[i]),
    }


def dpop_kinds(proofs: int) -> dict:
    """One raw ES256 verify, and `check_proof` of proof `i` (a new one each), as `bench.dpop` counts them."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.derive_private_key(DPOP_KEY_SCALAR, ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _key, raw_verify, check = dpop_setup(proofs, pem)
    return {"raw ES256 verify": raw_verify, "DPoP check_proof": check}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=500, help="calls per counted run")
    parser.add_argument("--quick", action="store_true", help="few calls: checks the harness, not the numbers")
    parser.add_argument(
        "--only", action="append", choices=CALLS[1:], help="count only this kind (repeatable); default: every kind"
    )
    parser.add_argument(
        "--steps", action="store_true", help="count the steps of a first-seen token and print them as one table"
    )
    parser.add_argument("--jobs", type=int, default=1, help="cachegrind children to run at once (default 1)")
    parser.add_argument("--child", choices=CALLS, help=argparse.SUPPRESS)
    parser.add_argument("--key", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    calls = 20 if args.quick else args.calls
    if args.child:
        print(f"{child(args.child, calls, args.key)} calls of {args.child}")
        return 0
    selected = list(args.only or ([] if args.steps else CALLS[1:]))
    if args.steps:
        selected += [kind for kind in (*STEPS, "validate_token, first-seen") if kind not in selected]

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

        # Each child is a process of its own, so `--jobs` runs several at once: counts do not
        # depend on what runs beside them.
        def counted(kind: str) -> tuple[str, int]:
            print(f"counting: {kind}...", file=sys.stderr)
            return kind, count("bench.instructions", kind, calls, key_file)

        with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            counts = dict(pool.map(counted, ("none", *selected)))
    rows = per_call(counts, calls)
    print(f"instructions per call (cachegrind), {calls} calls against a run of none")
    for name, value in rows.items():
        print(f"  {name:<28} {value:12,.0f}")
    if {"raw RSA verify", "PyJWT decode", "validate_token, first-seen", "validate_token, repeated"} <= set(rows):
        raw, pyjwt = rows["raw RSA verify"], rows["PyJWT decode"]
        print(f"ratio first-seen / PyJWT decode: {rows['validate_token, first-seen'] / pyjwt:.2f}")
        print(f"ratio repeated / raw RSA verify: {rows['validate_token, repeated'] / raw:.2f}")
    if {"raw RSA verify", "validate_token, first-seen"} <= set(rows):
        # In process, a first-seen token's whole validation is what it adds to a request.
        raw, first_seen = rows["raw RSA verify"], rows["validate_token, first-seen"]
        print(
            f"added by a first-seen token / raw RSA verify: {multiple_of_verify(first_seen, raw):.2f}"
            f"  (goal <= 3.00); beyond the verify: {overhead_beyond_verify(first_seen, raw):.2f}"
        )
    if {"raw ES256 verify", "DPoP check_proof"} <= set(rows):
        verify, check = rows["raw ES256 verify"], rows["DPoP check_proof"]
        print(f"ratio check_proof / raw ES256 verify: {check / verify:.2f}  (goal <= 1.3)")
        print(overhead_line(check, verify))
    table = by_step(rows)
    if table:
        total = rows.get("validate_token, first-seen")
        print("a first-seen token by step (instructions per call; share of validate_token):")
        for label, value in table:
            share = f"{100 * value / total:5.1f} %" if total else ""
            print(f"  {label:<72} {value:10,.0f}  {share}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
