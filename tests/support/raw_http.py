"""One HTTP request sent exactly as written: repeated headers and raw paths, which `requests` would merge or alter."""

import http.client
from urllib.parse import urlsplit


def raw_request(
    url: str,
    method: str = "GET",
    *,
    path: str | None = None,
    headers: list[tuple[str, str]] = (),
    body: bytes = b"",
    timeout: float = 10,
) -> tuple[int, dict, bytes]:
    """`(status, headers, body)` of `method` to `url`'s server, `path` (default: `url`'s) and headers as given."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout)
    try:
        connection.putrequest(method, path or parts.path or "/")
        for name, value in headers:
            connection.putheader(name, value)
        if body or method in ("POST", "PUT", "PATCH"):
            connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body or None)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()
