"""Memory: resident memory per gunicorn worker at idle and after a flood of distinct valid tokens.

Run: `.venv/bin/python -m bench.memory [--quick] [--tokens N]`. Tokens are minted up front
(in parallel) by `bench.keyserver`, then each is sent three times: the token cache admits a
token on its second validation in one worker, and with two workers three sends put every token
in at least one worker's cache. RSS is read from /proc after the first
half and after all of them, so a bounded cache shows as no growth in the second half.
"""

import argparse
import http.client
import multiprocessing
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from .harness import GUNICORN_OPTIONS, Gunicorn, django_env, rss_kib, run_wrk
from .keyserver import AUDIENCE, KeyServer, mint_token

_signer: tuple = ()


def _init_minter(issuer: str, kid: str, pem: bytes) -> None:
    """Each minting process signs with the key server's key (keys cannot be pickled, PEM can)."""
    global _signer
    _signer = (issuer, kid, serialization.load_pem_private_key(pem, password=None))


def _mint(_: int) -> str:
    return mint_token(*_signer)


def mint_many(issuer: KeyServer, count: int) -> list[str]:
    pem = issuer.signing_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with multiprocessing.Pool(initializer=_init_minter, initargs=(issuer.issuer, issuer.kid, pem)) as pool:
        return pool.map(_mint, range(count), chunksize=500)


def worker_rss(server: Gunicorn) -> list[int]:
    return [rss_kib(pid) for pid in server.worker_pids()]


def send_all(server: Gunicorn, tokens: list[str], connections: int = 4) -> int:
    """Each token exactly once, over `connections` concurrent clients; the number of non-200 answers.

    (wrk runs for a duration, not a count, so it cannot promise every token is sent once.)
    """

    def send(chunk: list[str]) -> int:
        errors = 0
        for token in chunk:
            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            try:
                connection.request("GET", "/", headers={"Authorization": f"Bearer {token}"})
                response = connection.getresponse()
                response.read()
                errors += response.status != 200
            finally:
                connection.close()
        return errors

    with ThreadPoolExecutor(connections) as pool:
        return sum(pool.map(send, [tokens[i::connections] for i in range(connections)]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="few tokens: checks the harness, not the numbers")
    parser.add_argument("--tokens", type=int, help="distinct tokens to send (default 100,000)")
    args = parser.parse_args(argv)
    count = args.tokens or (2_000 if args.quick else 100_000)

    with tempfile.TemporaryDirectory(prefix="ccp-bench-") as tmp, KeyServer() as issuer:
        workdir = Path(tmp)
        print(f"minting {count} distinct tokens...", file=sys.stderr)
        tokens = mint_many(issuer, count)
        env = django_env(workdir, ISSUER=issuer.issuer, AUDIENCE=AUDIENCE, CACHE_URL="locmemcache://bench")
        with Gunicorn(env).start(ready_path="/bench/open") as server:
            # Idle: both workers loaded the code and the keys, and served a few requests.
            run_wrk(server.url + "/", duration=1, connections=4, token=tokens[0])
            idle = worker_rss(server)
            half = count // 2
            errors = send_all(server, [token for token in tokens[:half] for _ in range(3)])
            middle = worker_rss(server)
            errors += send_all(server, [token for token in tokens[half:] for _ in range(3)])
            after = worker_rss(server)

    print(
        f"memory: resident set per gunicorn worker ({' '.join(GUNICORN_OPTIONS[:4])}), {count} distinct valid tokens,"
        " each sent 3 times"
    )
    print(f"  {'worker':<8} {'idle MiB':>9} {f'after {half}':>12} {f'after {count}':>12} {'growth 2nd half':>16}")
    for i, (a, b, c) in enumerate(zip(idle, middle, after, strict=True)):
        print(f"  {i + 1:<8} {a / 1024:9.1f} {b / 1024:12.1f} {c / 1024:12.1f} {(c - b) / 1024:15.1f}M")
    print(f"  errors: {errors}")
    growth = max(c - b for b, c in zip(middle, after, strict=True)) / 1024
    print(f"ratio growth in the second half / idle: {growth / (max(idle) / 1024):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
