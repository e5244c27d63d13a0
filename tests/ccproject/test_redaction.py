"""ccproject/redaction.py: secret query values leave no trace in log records or gunicorn's logs."""

import logging

import pytest
from gunicorn.config import Config

from ccproject.redaction import ARGUMENTS_DROPPED, GunicornLogger, RedactQueryFilter, redact_url


@pytest.mark.parametrize(
    ("logged", "expected"),
    [
        ("GET /?access_token=eyJ.abc.def HTTP/1.1", "GET /?access_token=[redacted] HTTP/1.1"),
        (
            "POST /oauth2/default/v1/token?client_secret=s3cr%2Ft&scope=hello%3Aread HTTP/1.1",
            "POST /oauth2/default/v1/token?client_secret=[redacted]&scope=hello%3Aread HTTP/1.1",
        ),
        (
            "/x?client_assertion=a.b.c;token=t1&code=c1#part",
            "/x?client_assertion=[redacted];token=[redacted]&code=[redacted]#part",
        ),
        # Names as the server decodes them: percent-encoded, '+' for a space, any case.
        ("/x?access%5Ftoken=t&TOKEN=u&code+=v", "/x?access%5Ftoken=[redacted]&TOKEN=[redacted]&code+=[redacted]"),
        # A quoted request line keeps its closing quote; an escaped quote inside a value is redacted too.
        ('"GET /?token=a\\"b" 400', '"GET /?token=[redacted]" 400'),
        # Other parameters, empty values and text without a query stay as they are.
        ("/x?scope=a&code=&tokens=1&xtoken=2", "/x?scope=a&code=&tokens=1&xtoken=2"),
        ("Not Found: /nothing", "Not Found: /nothing"),
        ("token=abc without a separator", "token=abc without a separator"),
    ],
)
def test_redact_url(logged, expected):
    assert redact_url(logged) == expected


def test_the_filter_redacts_messages_and_both_kinds_of_arguments():
    redact = RedactQueryFilter()
    record = logging.LogRecord(
        "django.server", logging.INFO, __file__, 1, '"%s" %s', ("GET /?code=c1 HTTP/1.1", 400), None
    )
    assert redact.filter(record) is True
    assert record.getMessage() == '"GET /?code=[redacted] HTTP/1.1" 400'
    atoms = {"r": "GET /?token=t1 HTTP/1.1", "s": "400"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, "%(r)s %(s)s", (atoms,), None)
    redact.filter(record)
    assert record.getMessage() == "GET /?token=[redacted] HTTP/1.1 400"
    record = logging.LogRecord("x", logging.ERROR, __file__, 1, "Error handling /?client_secret=s1", None, None)
    redact.filter(record)
    assert record.getMessage() == "Error handling /?client_secret=[redacted]"


@pytest.mark.parametrize(
    ("msg", "args"),
    [
        # The parameter's name in the format string, its value in the arguments.
        ("GET /?access_token=%s&b=1", ("leaked-token",)),
        ("GET %s?client_secret=%s HTTP/1.1", ("/token", "leaked-secret")),
        # A query passed apart from its path, and a name passed apart from its value.
        ("GET %s%s", ("/x", "?code=leaked-code")),
        ("GET /x?%s=%s", ("token", "leaked-token")),
        # Not a string: logged as str() of it.
        (ValueError("cannot reach https://idp.test/v1/introspect?token=leaked-token"), None),
    ],
)
def test_a_secret_split_between_the_format_and_its_arguments_is_redacted_where_they_join(msg, args):
    record = logging.LogRecord("django.request", logging.WARNING, __file__, 1, msg, args, None)
    assert RedactQueryFilter().filter(record) is True
    assert "leaked" not in record.getMessage()
    assert "[redacted]" in record.getMessage()
    assert record.args == ()


def test_a_message_that_does_not_fit_its_arguments_drops_them_instead_of_printing_them(capsys):
    logger = logging.getLogger("tests.redaction.broken")
    handler = logging.StreamHandler()
    handler.addFilter(RedactQueryFilter())
    logger.addHandler(handler)
    logger.propagate = False
    try:
        # Left alone, logging reports the TypeError and prints "Arguments: ('leaked-secret',)".
        logger.warning("POST /token?client_secret=%s&scope=%s", "leaked-secret")
        logger.warning("no placeholder here", "leaked-secret")
        logger.warning("GET /?code=%(code)s&state=%(state)s", {"code": "leaked-code"})
    finally:
        logger.removeHandler(handler)
    written = capsys.readouterr().err
    assert "leaked" not in written
    assert "Logging error" not in written
    assert "POST /token?client_secret=[redacted]" in written
    assert written.count("[arguments dropped: they do not fit the message's format]") == 3


def test_the_filter_never_raises_into_the_code_that_logs():
    class Unprintable:
        def __str__(self):
            raise RuntimeError("no text")

    from types import MappingProxyType

    redact = RedactQueryFilter()
    record = logging.LogRecord("x", logging.INFO, __file__, 1, Unprintable(), None, None)
    assert redact.filter(record) is True
    assert record.getMessage() == "[a Unprintable that cannot be shown as text] " + ARGUMENTS_DROPPED
    # A read-only mapping of arguments is formatted, not written to.
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%(u)s", (MappingProxyType({"u": "/?code=c1"}),), None)
    assert redact.filter(record) is True
    assert record.getMessage() == "/?code=[redacted]"


def test_a_record_redacted_twice_reads_the_same():
    """Two handlers of one logger each run the filter on the same record."""
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "%s 100%% done", ("/?token=t1",), None)
    redact = RedactQueryFilter()
    redact.filter(record)
    redact.filter(record)
    assert record.getMessage() == "/?token=[redacted] 100% done"


def test_gunicorns_error_log_redacts_what_a_worker_reports(tmp_path):
    """gunicorn's own messages ("Error handling request <uri>") through the configured logger class."""
    config = Config()
    config.set("errorlog", str(tmp_path / "error.log"))
    config.set("logger_class", "ccproject.redaction.GunicornLogger")
    log = config.logger_class(config)
    assert isinstance(log, GunicornLogger)
    try:
        raise ValueError("boom")
    except ValueError:
        log.exception("Error handling request %s", "/oauth2/default/v1/token?client_secret=leaked-secret")
    log.setup(config)  # a reload (SIGHUP) sets the logger up again: still one filter, still redacting
    log.warning("Invalid request from ip=127.0.0.1: /?access_token=leaked-token")
    written = (tmp_path / "error.log").read_text()
    assert "leaked" not in written
    assert written.count("[redacted]") == 2
    assert sum(isinstance(f, RedactQueryFilter) for f in log.error_log.filters) == 1
