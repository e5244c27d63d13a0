"""The id of the request being served: taken from a trusted proxy's `X-Request-ID`, else generated.

`RequestIdMiddleware` (first in `MIDDLEWARE`) gives every request an id, sets it as
`request.request_id` and as the context variable `current()` reads, and echoes it in the
`X-Request-ID` response header of every response that passes through Django, refusals by later
middleware and 404/405/500 pages included. Logs carry it (`RequestIdFilter`, set on every handler
in `settings.LOGGING`), and so do the calls made to serve the request: the registration
providers' calls to the identity provider and key-set fetches (`outgoing_headers()`).

An incoming `X-Request-ID` is taken only when `settings.REQUEST_ID_HEADER_TRUSTED` says a proxy
in front sets it (a client could otherwise pick ids that collide with other requests' in the
logs), and only when it is well formed: 1 to 128 letters, digits and `-._:`. Anything else is
replaced by a fresh id, never echoed nor logged.
"""

import logging
import os
import re
from collections.abc import Callable
from contextvars import ContextVar
from functools import partial

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "X-Request-ID"
HEADER_KEY = HEADER.lower()  # how Django's response headers file it
META_KEY = "HTTP_X_REQUEST_ID"
MAX_LENGTH = 128
# Shown in log records made outside any request.
NO_REQUEST = "-"
# ASCII only (no \w: it would take any Unicode letter); fullmatch, so a trailing newline fails.
_WELL_FORMED = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_LENGTH}}}").fullmatch

# Each thread (runserver's, gunicorn gthread's) and each asyncio task has its own value.
_current: ContextVar[str | None] = ContextVar("request_id", default=None)


def current() -> str | None:
    """The id of the request being served in this thread or task, `None` outside a request."""
    return _current.get()


def generate() -> str:
    """A fresh id: 128 random bits as 32 hex digits (a uuid4's entropy, without building a UUID)."""
    return os.urandom(16).hex()


def is_well_formed(value: str) -> bool:
    """Whether `value` may be taken as a request id: 1-128 characters of `A-Z a-z 0-9 - . _ :`."""
    return len(value) <= MAX_LENGTH and _WELL_FORMED(value) is not None


def from_request(meta: dict) -> str:
    """The request's id: the trusted, well-formed `X-Request-ID` in `meta`, else a fresh one.

    A header sent twice reaches the WSGI environ joined by a comma, which is not well formed.
    """
    incoming = meta.get(META_KEY)
    if incoming and getattr(settings, "REQUEST_ID_HEADER_TRUSTED", False) and is_well_formed(incoming):
        return incoming
    return generate()


def outgoing_headers() -> dict[str, str]:
    """`{"X-Request-ID": id}` inside a request, `{}` outside: for the HTTP calls a request makes."""
    request_id = _current.get()
    return {HEADER: request_id} if request_id is not None else {}


class RequestIdMiddleware:
    """Give each request an id (`request.request_id`, `current()`) and echo it as `X-Request-ID`.

    The context variable stays set until the server closes the response: runserver and gunicorn
    write their request line before that, so it carries the id too. It is reset then, or at once
    when the rest of the chain raises.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request.request_id = from_request(request.META)
        token = _current.set(request_id)
        try:
            response = self.get_response(request)
        except BaseException:
            _current.reset(token)
            raise
        # As `response[HEADER] = request_id` stores it, without the charset and newline checks
        # that cost more than the rest of this middleware: the id is ASCII letters, digits and
        # `-._:` by construction.
        response.headers._store[HEADER_KEY] = (HEADER, request_id)
        # Django's hook for what must be released once the server is done with the response
        # (FileResponse closes its file the same way). A closer's exception is swallowed there:
        # a response closed in another thread leaves this thread's value to the next request.
        response._resource_closers.append(partial(_current.reset, token))
        return response


class RequestIdFilter(logging.Filter):
    """A logging filter that sets `record.request_id`: the current request's id, else `-`.

    gunicorn writes its access log line from the response it sent: there the id is the
    `X-Request-ID` response header among the line's atoms (`{x-request-id}o`).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        request_id = _current.get()
        if request_id is None and isinstance(record.args, dict):
            request_id = record.args.get("{x-request-id}o")
        record.request_id = request_id or NO_REQUEST
        return True
