"""ccproject/redaction.py: secret query values leave no trace in log records or gunicorn's logs."""

import logging

import pytest
from gunicorn.config import Config

from ccproject.redaction import GunicornLogger, RedactQueryFilter, redact_url


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
