"""A suite-wide watch: no client secret the suite creates and no signed token reaches a log record.

`tests/reliability/test_secrets_at_rest.py` scans one complete flow at DEBUG; this watch covers
every in-process test of the run at the configured level. It records each client secret the
embedded server generates (`authserver.service_clients.generate_client_secret`) and every log record that
reaches the root logger, and at the end of the session reports a record holding such a secret or
a complete compact JWS (RFC 7515 §7.1: three base64url segments, a JSON header), a presented token
being the usual way a bearer credential leaks.
"""

import logging
import re
from collections.abc import Callable

# A JOSE header is a JSON object, so its base64url starts with "eyJ" ('{"').
COMPACT_JWS = re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}")


class SecretWatch(logging.Handler):
    def __init__(self):
        super().__init__(level=logging.NOTSET)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.secrets: set[str] = set()
        self.leaks: list[str] = []
        self.records = 0

    def emit(self, record: logging.LogRecord) -> None:
        self.records += 1
        try:
            text = self.format(record)
        except Exception:  # a record that cannot be formatted leaks nothing through us
            return
        if COMPACT_JWS.search(text) or any(secret in text for secret in self.secrets):
            self.leaks.append(text[:300])

    def recording(self, generate: Callable[[], str]) -> Callable[[], str]:
        """`generate`, remembering what it returns."""

        def generate_and_remember() -> str:
            secret = generate()
            self.secrets.add(secret)
            return secret

        return generate_and_remember

    def report(self) -> str:
        return (
            f"{len(self.leaks)} of {self.records} log records hold a client secret or a signed token, e.g.:\n"
            + "\n".join(self.leaks[:5])
        )
