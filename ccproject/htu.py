"""The `htu` comparison of RFC 9449 §4.3: URIs normalised per RFC 3986 §6.2.2-6.2.3, query and fragment dropped."""

import functools
import re
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}
_PERCENT = re.compile(r"%([0-9A-Fa-f]{2})")
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _normalize_percent(match: re.Match) -> str:
    # RFC 3986 §6.2.2.2: decode unreserved characters; §6.2.2.1: upper-case the rest.
    byte = int(match.group(1), 16)
    return chr(byte) if byte in _UNRESERVED else f"%{match.group(1).upper()}"


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4."""
    output: list[str] = []
    for segment in path.split("/")[1:]:
        if segment == "..":
            if output:
                output.pop()
        elif segment != ".":
            output.append(segment)
    trailing = "/" if path.endswith(("/.", "/..")) else ""
    return "/" + "/".join(output) + trailing


@functools.lru_cache(maxsize=256)  # a server sees few URIs; bounded against hostile ones
def normalize_htu(url: str) -> str | None:
    """`scheme://host[:port]/path` in normal form, or None when `url` is no absolute http(s) URI.

    None never equals a request's URI, so a malformed `htu` simply does not match.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host or parts.username is not None or parts.password is not None:
        return None
    if ":" in host:
        host = f"[{host}]"
    authority = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    path = _remove_dot_segments(_PERCENT.sub(_normalize_percent, parts.path or "/"))
    return f"{scheme}://{authority}{path}"
