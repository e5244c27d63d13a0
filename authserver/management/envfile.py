"""The `.env` lines `manage.py bootstrap` writes: appending them, and moving its own URL lines to a new base URL.

Bootstrap marks what it writes with `MARKER`; a line it wrote is one in such a block whose value is
still what bootstrap derives from a local base URL. Anything else in the file is the user's and is
never changed.
"""

import ipaddress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ccproject.loopback import is_loopback_host, is_loopback_url

MARKER = "# Written by `manage.py bootstrap`."

# The lines derived from the base URL the server listens on (`--base-url`), as templates.
URL_LINES = {
    "ISSUER": "{base}/oauth2/default",
    "ORG_URL": "{base}",
    "API_URL": "{base}/",
    "RESOURCE": "{base}",
}


def is_local_host(host: str) -> bool:
    """Loopback, `localhost`, or an unspecified address a development server binds (0.0.0.0, ::)."""
    if is_loopback_host(host):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_unspecified
    except ValueError:
        return False


def is_embedded_issuer(issuer: str) -> bool:
    """Whether an issuer looks like this project's own server: loopback, `/oauth2/{id}`."""
    return is_loopback_url(issuer) and "/oauth2/" in urlsplit(issuer).path


def url_values(base: str) -> dict[str, str]:
    """The value of each URL line for a server listening at `base` (no trailing slash)."""
    return {name: template.format(base=base) for name, template in URL_LINES.items()}


def base_of(name: str, value: str) -> str | None:
    """The local base URL that `value` was derived from for line `name`, or None if it was not."""
    prefix, suffix = URL_LINES[name].split("{base}")
    if not (value.startswith(prefix) and value.endswith(suffix)) or len(value) <= len(prefix + suffix):
        return None
    base = value[len(prefix) : len(value) - len(suffix)]
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or parts.path or parts.query or not parts.hostname:
        return None
    return base if is_local_host(parts.hostname) else None


def parse_line(line: str) -> tuple[str, str] | None:
    """`(name, value)` of an assignment line, else None (comments, blank lines)."""
    stripped = line.strip()
    if not stripped or stripped.startswith("#") or "=" not in stripped:
        return None
    name, value = stripped.split("=", 1)
    return name.removeprefix("export ").strip(), value.strip()


def read_env_names(path: Path) -> set[str]:
    """The variable names a `.env` file assigns (comments and blank lines skipped)."""
    if not path.exists():
        return set()
    return {parsed[0] for line in path.read_text().splitlines() if (parsed := parse_line(line))}


def append_env(path: Path, lines: list[str]) -> None:
    """Append `lines` to a `.env` readable by its owner only, marked as bootstrap's."""
    with path.open("a") as env:
        if path.stat().st_size and not path.read_text().endswith("\n"):
            env.write("\n")
        env.write(MARKER + "\n" + "\n".join(lines) + "\n")
    path.chmod(0o600)


@dataclass(frozen=True)
class Change:
    name: str
    old: str
    new: str


@dataclass
class Rebased:
    """What `rebase_env` changed, and the user's URL lines that point at another local server."""

    changed: list[Change]
    left_alone: list[Change]


def rebase_env(path: Path, base: str) -> Rebased:
    """Point bootstrap's own URL lines at `base`; report (never change) the user's that disagree."""
    result = Rebased(changed=[], left_alone=[])
    if not path.exists():
        return result
    wanted = url_values(base)
    lines = path.read_text().splitlines(keepends=True)
    in_block = False
    for index, line in enumerate(lines):
        if line.strip() == MARKER:
            in_block = True
            continue
        parsed = parse_line(line)
        if parsed is None:
            in_block = False
            continue
        name, value = parsed
        if name not in URL_LINES or value == wanted[name] or base_of(name, value) is None:
            continue
        change = Change(name, value, wanted[name])
        if in_block:
            lines[index] = f"{name}={wanted[name]}\n"
            result.changed.append(change)
        else:
            result.left_alone.append(change)
    if result.changed:
        path.write_text("".join(lines))
        path.chmod(0o600)
    return result
