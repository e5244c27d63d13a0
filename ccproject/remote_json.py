"""Bounded HTTP GETs of JSON documents (issuer discovery, key sets, a client's `jwks_uri`), for every app."""

import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings

from .loopback import is_loopback_host
from .request_id import outgoing_headers
from .strict_json import loads


class FetchError(Exception):
    """The document could not be fetched or is not a JSON object; the message is safe to log."""


@dataclass(frozen=True)
class JSONDocument:
    data: dict
    max_age: int | None  # from `Cache-Control: max-age`, when the server sent one


def parse_max_age(cache_control: str) -> int | None:
    """The `max-age` directive of a `Cache-Control` header (RFC 9111 §5.2.2.1), if any."""
    for directive in cache_control.split(","):
        name, _, value = directive.strip().partition("=")
        if name.lower() == "max-age":
            try:
                return max(0, int(value.strip('"')))
            except ValueError:
                return None
    return None


def is_secure_url(url: str) -> bool:
    """https, or plain http to a loopback host or under DEBUG (keys fetched in clear text can be swapped)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:
        return False
    if not host or parts.scheme not in ("https", "http"):
        return False
    return parts.scheme == "https" or is_loopback_host(host) or bool(settings.DEBUG)


def total_timeout(timeout) -> float:
    """The whole exchange's budget: connect plus read timeout (`timeout` may be one number)."""
    return float(sum(timeout)) if isinstance(timeout, tuple | list) else 2.0 * float(timeout)


def read_body(response: requests.Response, url: str, limit: int, timeout) -> bytearray:
    """The body, within `limit` bytes and the total timeout.

    requests' read timeout bounds each read, not the whole: a server dribbling a byte at a
    time could hold the request forever. `read1` returns whatever has arrived, so the
    deadline is checked at least once per read timeout.
    """
    budget = total_timeout(timeout)
    deadline = time.monotonic() + budget
    body = bytearray()
    while chunk := response.raw.read1(65536, decode_content=True):
        body.extend(chunk)
        if len(body) > limit:
            raise FetchError(f"{url} answered more than {limit} bytes")
        if time.monotonic() > deadline:
            raise FetchError(f"{url} answered too slowly (over {budget:g} s)")
    return body


def fetch_json(url: str, *, timeout, max_bytes: int, session: requests.Session | None = None) -> JSONDocument:
    """GET `url` within `timeout` (requests' form) and `max_bytes`; raise `FetchError` on anything but a JSON object.

    Redirects are not followed: a key set moved elsewhere is not trusted by accident.
    """
    if not is_secure_url(url):
        raise FetchError(f"{url} is refused: https is required outside loopback and DEBUG")
    limit = max_bytes
    http = session or requests
    try:
        with http.get(
            url,
            timeout=timeout,
            # A fetch made to serve a request names it, so the server's logs and ours can be matched.
            headers={"Accept": "application/json", **outgoing_headers()},
            stream=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 200:
                raise FetchError(f"{url} answered HTTP {response.status_code}")
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > limit:
                raise FetchError(f"{url} answered more than {limit} bytes")
            body = read_body(response, url, limit, timeout)
            max_age = parse_max_age(response.headers.get("Cache-Control", ""))
    except requests.RequestException as exc:
        raise FetchError(f"{url} could not be reached: {type(exc).__name__}") from exc
    try:
        data = loads(bytes(body))
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise FetchError(f"{url} answered something that is not JSON") from exc
    if not isinstance(data, dict):
        raise FetchError(f"{url} answered JSON that is not an object")
    return JSONDocument(data=data, max_age=max_age)
