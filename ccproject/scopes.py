"""The one rule for a list of scope names (RFC 6749 §3.3), shared by the issuer and registration."""

import re

# RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
SCOPE_TOKEN = re.compile(r"[\x21\x23-\x5B\x5D-\x7E]+")


class ScopeError(ValueError):
    """Scopes that break the rule; the message is client-facing and starts with the field name."""


def clean_scopes(scopes, *, field: str = "scopes", max_count: int | None = None) -> list[str]:
    """Scopes as a list without repeats, in the order given.

    Takes an array of names or a space-delimited string (`None` counts as empty). Raises
    `ScopeError` for anything but strings, for no scope at all, for more than `max_count`
    distinct scopes, and for a name outside RFC 6749 §3.3's `scope-token`.
    """
    if scopes is None:
        scopes = []
    if isinstance(scopes, str):
        scopes = scopes.split()
    if not isinstance(scopes, list | tuple) or not all(isinstance(scope, str) for scope in scopes):
        raise ScopeError(f"{field}: must be an array of scope names.")
    cleaned = list(dict.fromkeys(scopes))
    if not cleaned:
        raise ScopeError(f"{field}: at least one scope is required.")
    if max_count is not None and len(cleaned) > max_count:
        raise ScopeError(f"{field}: at most {max_count} distinct scopes.")
    bad = [scope for scope in cleaned if not SCOPE_TOKEN.fullmatch(scope)]
    if bad:
        raise ScopeError(f"{field}: {bad[0]!r} is not a valid scope name (RFC 6749 §3.3).")
    return cleaned
