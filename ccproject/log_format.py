"""Log line formats, chosen by `LOG_FORMAT`: `plain` for people, `json` (one object a line) for log shippers.

`settings.LOGGING` gives Django's handlers the chosen formatter; gunicorn's access and error logs
follow the same choice (`ccproject.redaction.GunicornLogger`). Every handler also runs
`RedactQueryFilter` (token and secret query values, in messages and exception texts) and
`RequestIdFilter` (the `request_id` of each record), whatever the format.
"""

import json
import logging
import os
import time

from .deployment import one_of
from .request_id import NO_REQUEST

FORMATS = ("plain", "json")
PLAIN_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def log_format(value: str) -> str:
    """`LOG_FORMAT`, one of `plain` and `json` (any case); anything else refuses to start."""
    return one_of("LOG_FORMAT", value, FORMATS)


def from_environment() -> str:
    """`LOG_FORMAT` as the process environment has it (gunicorn's master reads no `.env`)."""
    return log_format(os.environ.get("LOG_FORMAT", "plain"))


class JsonFormatter(logging.Formatter):
    """A record as one line of JSON: `time` (ISO 8601, UTC), `level`, `logger`, `message`, `request_id`,
    and `exception` (the traceback) or `stack` when the record has one.

    The fields are fixed: a record's other attributes (`extra=`) are never written. Django's
    `django.request` logger passes the request itself as an extra, and its repr holds the full
    path with the query string, which the redaction filter does not look into. Written by the
    standard library's `json` (non-ASCII and control characters escaped, so a line is one line).
    """

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", NO_REQUEST),
        }
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exception"] = record.exc_text
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str)

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        """`2026-12-06T21:40:05.123Z`: UTC whatever the host's zone, to the millisecond."""
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z"
