"""Reading a caller's public key (JWK or JWKS, JSON) from a file for the registration commands."""

import json
from pathlib import Path

from ccproject.commands import EXIT_USAGE, CommandFailed

MAX_KEY_FILE_BYTES = 64 * 1024


def read_public_jwk(path: str) -> dict:
    """A public JWK from a JSON file (the key itself is checked by the service: a private one is refused)."""
    try:
        raw = Path(path).read_bytes()[: MAX_KEY_FILE_BYTES + 1]
        if len(raw) > MAX_KEY_FILE_BYTES:
            raise ValueError("too large")
        return json.loads(raw)
    except (OSError, ValueError) as exc:
        raise CommandFailed(
            f"{path}: not a readable JSON file holding a public JWK or JWKS ({type(exc).__name__}).",
            error="invalid_request",
            returncode=EXIT_USAGE,
        ) from exc
