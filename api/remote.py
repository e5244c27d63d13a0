"""Bounded HTTP GETs of JSON documents from an issuer (discovery, key sets)."""

import json
from dataclasses import dataclass

import requests

from .conf import api_settings


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


def fetch_json(url: str, session: requests.Session | None = None) -> JSONDocument:
    """GET `url` with timeouts and a size cap; raise `FetchError` on anything but a JSON object."""
    limit = api_settings.MAX_RESPONSE_BYTES
    http = session or requests
    try:
        with http.get(
            url,
            timeout=api_settings.HTTP_TIMEOUT,
            headers={"Accept": "application/json"},
            stream=True,
            allow_redirects=False,
        ) as response:
            if response.status_code != 200:
                raise FetchError(f"{url} answered HTTP {response.status_code}")
            body = bytearray()
            for chunk in response.iter_content(chunk_size=65536):
                body.extend(chunk)
                if len(body) > limit:
                    raise FetchError(f"{url} answered more than {limit} bytes")
            max_age = parse_max_age(response.headers.get("Cache-Control", ""))
    except requests.RequestException as exc:
        raise FetchError(f"{url} could not be reached: {type(exc).__name__}") from exc
    try:
        data = json.loads(bytes(body))
    except (ValueError, UnicodeDecodeError) as exc:
        raise FetchError(f"{url} answered something that is not JSON") from exc
    if not isinstance(data, dict):
        raise FetchError(f"{url} answered JSON that is not an object")
    return JSONDocument(data=data, max_age=max_age)
