"""Credentials out of logged URLs: query values of token and secret parameters become `[redacted]`.

The API refuses a token sent in a URL (RFC 6750 §2.3, §5.3: URLs end up in logs) and the
token endpoint a secret sent in one, but the request line is logged before either answers.
Every place that logs a request line runs it through `redact_url`: gunicorn's access and
error logs (`GunicornLogger`, set in deploy/gunicorn.conf.py) and Django's loggers,
runserver's `django.server` included (`RedactQueryFilter`, set in `settings.LOGGING`).
"""

import logging
import logging.handlers
import re
from urllib.parse import unquote_plus

from django.core.exceptions import ImproperlyConfigured
from gunicorn.glogging import Logger

from .log_format import JsonFormatter, from_environment
from .request_id import RequestIdFilter

# RFC 6750 §2.3 `access_token`, RFC 6749 §2.3.1 `client_secret`, RFC 7523 §2.2
# `client_assertion`, RFC 7009/7662 `token`, RFC 6749 §4.1.2 `code`.
SECRET_PARAMETERS = frozenset({"access_token", "client_secret", "client_assertion", "token", "code"})
REDACTED = "[redacted]"
ARGUMENTS_DROPPED = "[arguments dropped: they do not fit the message's format]"
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


# Formats exception texts as every `logging.Formatter` does by default.
_TRACEBACKS = logging.Formatter()


def _text(message: object) -> str:
    """`str(message)`, or a placeholder when its `__str__` fails (a filter must never raise into the caller)."""
    try:
        return str(message)
    except Exception:
        return f"[a {type(message).__name__} that cannot be shown as text]"


def _message(record: logging.LogRecord) -> str | None:
    """The record's formatted message; None when its arguments do not fit its format string."""
    try:
        return record.getMessage()
    except Exception:  # logging's own error report would print the arguments
        return None


class RedactQueryFilter(logging.Filter):
    """A logging filter that redacts secret query values in a record's message and exception.

    Attached to handlers (`settings.LOGGING`), so it sees every record they write, whichever
    logger sent it. It rewrites the record in place and never drops it. The message is
    formatted first and redacted whole (then kept as the record's message, with no arguments):
    a secret split between the format string and its arguments (`"/?token=%s"`, or a path and
    a query passed apart) is seen where it is joined. A message that cannot be formatted keeps
    only its redacted format string: logging would otherwise print the arguments beside its
    error report. An exception's text can hold a URL too (requests names the URL it failed to
    reach): it is formatted here, redacted, and kept on the record, where every formatter takes
    it from.

    A dict of arguments is redacted value by value instead and kept: gunicorn's access log
    passes its atoms as a dict subclass that answers a missing atom with `-`, and other
    filters and formatters read the response's atoms from it; its format string is the
    operator's `access_log_format`, not the request's.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, dict) and record.args:
            # In place: gunicorn relies on its own dict subclass.
            for name, value in record.args.items():
                if isinstance(value, str):
                    record.args[name] = redact_url(value)
            record.msg = redact_url(_text(record.msg))
            if _message(record) is None:
                record.msg, record.args = f"{record.msg} {ARGUMENTS_DROPPED}", ()
        else:
            message = _message(record)
            if message is None:
                message = f"{_text(record.msg)} {ARGUMENTS_DROPPED}"
            record.msg, record.args = redact_url(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = redact_url(_TRACEBACKS.formatException(record.exc_info))
        return True


class GunicornLogger(Logger):
    """gunicorn's logger: secret query values redacted, the request id on each line, `LOG_FORMAT` followed.

    Every atom of the access log format is redacted (`%(r)s`, `%(q)s`, `%({raw_uri}e)s` ...,
    whatever `access_log_format` uses), and so is every error log message, such as
    "Error handling request <uri>". With `LOG_FORMAT=json` both logs are written as JSON lines
    (`JsonFormatter`; an access line's `message` is the line `access_log_format` makes, its
    `request_id` the response's `X-Request-ID`). The master reads `LOG_FORMAT` from its
    environment; each worker follows Django's setting once the app is loaded (`post_worker_init`
    in deploy/gunicorn.conf.py), so a `LOG_FORMAT` in the `.env` file reaches the workers' lines too.
    """

    def setup(self, cfg) -> None:
        super().setup(cfg)
        # On the loggers, not their handlers: `setup` runs again on every reload and replaces
        # the handlers; the two loggers live as long as the process.
        for log in (self.error_log, self.access_log):
            for kind in (RedactQueryFilter, RequestIdFilter):
                if not any(isinstance(existing, kind) for existing in log.filters):
                    log.addFilter(kind())
        try:
            self.use_format(from_environment())
        except ImproperlyConfigured as exc:
            raise RuntimeError(str(exc)) from exc  # gunicorn prints it and exits

    def use_format(self, log_format: str) -> None:
        """Write gunicorn's own handlers' lines as JSON (`json`) or in gunicorn's formats (`plain`)."""
        for log, plain in ((self.error_log, self.error_fmt), (self.access_log, self.access_fmt)):
            for handler in log.handlers:
                if getattr(handler, "_gunicorn", False) and not isinstance(handler, logging.handlers.SysLogHandler):
                    formatter = JsonFormatter() if log_format == "json" else logging.Formatter(plain, self.datefmt)
                    handler.setFormatter(formatter)
