"""Credentials out of logged URLs: query values of token and secret parameters become `[redacted]`.

The API refuses a token sent in a URL (RFC 6750 §2.3, §5.3: URLs end up in logs) and the
token endpoint a secret sent in one, but the request line is logged before either answers.
Every place that logs a request line runs it through `redact_url`: gunicorn's access and
error logs (`GunicornLogger`, set in deploy/gunicorn.conf.py) and Django's loggers,
runserver's `django.server` included (`RedactQueryFilter`, set in `settings.LOGGING`).
"""

import logging
import re
from typing import Any
from urllib.parse import unquote_plus

from gunicorn.glogging import Logger

# RFC 6750 §2.3 `access_token`, RFC 6749 §2.3.1 `client_secret`, RFC 7523 §2.2
# `client_assertion`, RFC 7009/7662 `token`, RFC 6749 §4.1.2 `code`.
SECRET_PARAMETERS = frozenset({"access_token", "client_secret", "client_assertion", "token", "code"})
REDACTED = "[redacted]"
# A query parameter in a URL or a request line: a separator, a name, '=', a value up to the next
# separator, fragment or whitespace, and the quote that closes a quoted URL, kept (a quote inside
# the value is redacted with it: gunicorn logs a `"` of a request line as `\"`).
_PARAMETER = re.compile(r"([?&;])([^=&;#\s?]+)=([^&;#\s]*?)([\"']?)(?=[&;#\s]|$)")


def _redact_parameter(match: re.Match) -> str:
    separator, name, value, quote = match.groups()
    # Decoded as the server decodes it: `access%5Ftoken=` is `access_token=` to Django too.
    if value and unquote_plus(name).strip().lower() in SECRET_PARAMETERS:
        return f"{separator}{name}={REDACTED}{quote}"
    return match.group(0)


def redact_url(text: str) -> str:
    """`text` with the value of every secret query parameter replaced by `[redacted]`."""
    if "=" not in text:
        return text
    return _PARAMETER.sub(_redact_parameter, text)


def _redact(value: Any) -> Any:
    return redact_url(value) if isinstance(value, str) else value


class RedactQueryFilter(logging.Filter):
    """A logging filter that redacts secret query values in a record's message and arguments.

    Attached to handlers (`settings.LOGGING`), so it sees every record they write, whichever
    logger sent it. It rewrites the record in place and never drops it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact_url(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact(arg) for arg in record.args)
        elif isinstance(record.args, dict):
            # In place: gunicorn's access log passes its atoms as a dict subclass it relies on.
            for name, value in record.args.items():
                if isinstance(value, str):
                    record.args[name] = redact_url(value)
        return True


class GunicornLogger(Logger):
    """gunicorn's logger with secret query values redacted from its access log and error log.

    Every atom of the access log format is redacted (`%(r)s`, `%(q)s`, `%({raw_uri}e)s` ...,
    whatever `access_log_format` uses), and so is every error log message, such as
    "Error handling request <uri>".
    """

    def setup(self, cfg) -> None:
        super().setup(cfg)
        # On the loggers, not their handlers: `setup` runs again on every reload and replaces
        # the handlers; the two loggers live as long as the process.
        for log in (self.error_log, self.access_log):
            if not any(isinstance(existing, RedactQueryFilter) for existing in log.filters):
                log.addFilter(RedactQueryFilter())
