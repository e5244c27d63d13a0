"""HTTP for provider backends: timeouts, a size cap, no redirects, bounded retry on 429."""

import json
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

from ccproject import metrics
from ccproject.request_id import outgoing_headers

from ..exceptions import ProviderRateLimited, ProviderTimeout, ProviderUnavailable

logger = logging.getLogger("registration.providers")

DEFAULT_TIMEOUT = (3.05, 10.0)


@dataclass(frozen=True)
class HTTPResponse:
    """A provider's answer, read in full (within the size cap)."""

    status: int
    headers: requests.structures.CaseInsensitiveDict
    content: bytes
    links: dict

    def json(self, what: str = "response"):
        """The JSON body; `ProviderUnavailable` when it is not JSON."""
        try:
            return json.loads(self.content)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ProviderUnavailable(f"The provider's {what} is not valid JSON (HTTP {self.status}).") from exc


class ProviderHTTP:
    """Sends one request with a timeout, never following redirects (credentials stay with their host).

    Honours rate limits (Okta's `X-Rate-Limit-Reset`, else `Retry-After`): a 429 is retried after
    the advertised wait while it is at most `max_wait` seconds, at most `max_retries` times, then
    `ProviderRateLimited` carries the wait. A 429 was not processed, so retrying a create is safe.
    `timer` and `sleep` are attributes so tests swap them instead of sleeping. Each request's
    duration is observed by `kind` (the backend's, e.g. `okta`), method and status class
    (`ccproject.metrics`).
    """

    timer: Callable[[], float] = staticmethod(time.time)
    sleep: Callable[[float], None] = staticmethod(time.sleep)
    clock: Callable[[], float] = staticmethod(time.perf_counter)

    def __init__(
        self,
        *,
        kind: str = "other",
        timeout=DEFAULT_TIMEOUT,
        max_retries: int = 2,
        max_wait: float = 10.0,
        max_bytes: int = 5_000_000,
    ):
        self.kind = kind
        self.timeout = tuple(timeout) if isinstance(timeout, list | tuple) else timeout
        self.max_retries = max_retries
        self.max_wait = max_wait
        self.max_bytes = max_bytes

    @classmethod
    def from_options(cls, options: dict, *, kind: str) -> "ProviderHTTP":
        """For the backend `kind`, configured by its OPTIONS: `TIMEOUT`, `MAX_RETRIES` and `MAX_RETRY_WAIT`."""
        return cls(
            kind=kind,
            timeout=options.get("TIMEOUT", DEFAULT_TIMEOUT),
            max_retries=int(options.get("MAX_RETRIES", 2)),
            max_wait=float(options.get("MAX_RETRY_WAIT", 10)),
        )

    def request(self, method: str, url: str, *, headers: dict, **kwargs) -> HTTPResponse:
        for attempt in range(self.max_retries + 1):
            response = self._send(method, url, headers=headers, **kwargs)
            if response.status != 429:
                return response
            wait = self.retry_after(response)
            if attempt >= self.max_retries or wait > self.max_wait:
                break
            logger.warning("Provider rate limit on %s %s: retrying in %.1fs", method, _path(url), wait)
            self.sleep(wait)
        retry_after = max(1, math.ceil(wait))
        raise ProviderRateLimited(
            f"The provider's rate limit is exhausted; it resets in {retry_after}s.", retry_after=retry_after
        )

    def retry_after(self, response: HTTPResponse) -> float:
        """Seconds until the provider takes requests again (never negative)."""
        reset = response.headers.get("X-Rate-Limit-Reset")
        if reset is not None:
            try:
                return max(0.0, float(reset) - self.timer())
            except ValueError:
                pass
        try:
            return max(0.0, float(response.headers.get("Retry-After", "1")))
        except ValueError:
            return 1.0

    def _send(self, method: str, url: str, *, headers: dict, **kwargs) -> HTTPResponse:
        started, outcome = self.clock(), metrics.ERROR
        try:
            with requests.request(
                method,
                url,
                # The request being served, so the provider's logs and ours can be matched.
                headers={"Accept": "application/json", **outgoing_headers(), **headers},
                timeout=self.timeout,
                allow_redirects=False,
                stream=True,
                **kwargs,
            ) as response:
                outcome = metrics.status_class(response.status_code)
                body = bytearray()
                for chunk in response.iter_content(chunk_size=65536):
                    body.extend(chunk)
                    if len(body) > self.max_bytes:
                        raise ProviderUnavailable(f"The provider answered more than {self.max_bytes} bytes.")
                result = HTTPResponse(response.status_code, response.headers, bytes(body), response.links)
        except requests.Timeout as exc:
            outcome = metrics.TIMEOUT
            raise ProviderTimeout(f"The provider did not answer {method} {_path(url)} in time.") from exc
        except requests.RequestException as exc:
            raise ProviderUnavailable(
                f"The provider could not be reached for {method} {_path(url)} ({type(exc).__name__})."
            ) from exc
        finally:
            metrics.provider_request(self.kind, method, outcome, self.clock() - started)
        # Only the method, path and status: headers and bodies carry tokens and secrets.
        logger.info("Provider %s %s -> %s", method, _path(url), result.status)
        if 300 <= result.status < 400:
            raise ProviderUnavailable(f"The provider redirected {method} {_path(url)}; redirects are not followed.")
        if result.status >= 500:
            raise ProviderUnavailable(f"The provider failed {method} {_path(url)} with HTTP {result.status}.")
        return result


def _path(url: str) -> str:
    """The URL without its query (search terms stay out of logs)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"


def same_origin(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.netloc) == (b.scheme, b.netloc)
