"""LOG_FORMAT: plain or JSON lines, each record with its request id, no secret from a logged URL."""

import io
import json
import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured
from gunicorn.config import Config
from gunicorn.glogging import SafeAtoms

from ccproject import request_id
from ccproject.log_format import PLAIN_FORMAT, JsonFormatter, log_format
from ccproject.redaction import GunicornLogger, RedactQueryFilter
from ccproject.request_id import RequestIdFilter

ROOT = Path(__file__).resolve().parents[2]
SECRET = "leaked-secret-value"
TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z")


@pytest.mark.parametrize(("value", "expected"), [("plain", "plain"), ("json", "json"), (" JSON ", "json")])
def test_log_format_values(value, expected):
    assert log_format(value) == expected


@pytest.mark.parametrize("value", ["", "xml", "jsonl", "json\x00", "x" * 1000])
def test_any_other_log_format_refuses_to_start(value):
    with pytest.raises(ImproperlyConfigured, match="LOG_FORMAT must be one of plain, json") as raised:
        log_format(value)
    assert len(str(raised.value)) < 120


def test_a_bad_log_format_stops_manage_py():
    env = {**os.environ, "ENV_FILE": os.devnull, "DJANGO_SETTINGS_MODULE": "ccproject.settings", "LOG_FORMAT": "xml"}
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "LOG_FORMAT must be one of plain, json, not 'xml'." in result.stderr


def capture(formatter: logging.Formatter, logger_name: str = "ccproject.test") -> tuple[logging.Logger, io.StringIO]:
    """A logger whose records go through the project's two filters to `formatter`, into a string."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(RedactQueryFilter())
    handler.addFilter(RequestIdFilter())
    logger = logging.getLogger(logger_name)
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    return logger, stream


@pytest.fixture
def json_log():
    logger, stream = capture(JsonFormatter())
    yield logger, stream
    logger.handlers.clear()


def lines(stream: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


def test_a_json_line_has_the_fixed_fields(json_log):
    logger, stream = json_log
    logger.info("Hello %s", "world")
    [entry] = lines(stream)
    assert set(entry) == {"time", "level", "logger", "message", "request_id"}
    assert TIME.fullmatch(entry["time"])
    assert entry | {"time": None} == {
        "time": None,
        "level": "INFO",
        "logger": "ccproject.test",
        "message": "Hello world",
        "request_id": "-",
    }


def test_each_record_is_one_line_of_json_whatever_its_text(json_log):
    logger, stream = json_log
    for text in ("line\nbreak", "cr\r\nlf", "nul\x00", "é 名前 \u2028 \u202e", '"quoted" \\ {json}', "\ud800"):
        logger.warning("%s", text)
    assert len(stream.getvalue().splitlines()) == 6
    assert [entry["message"] for entry in lines(stream)][:5] == [
        "line\nbreak",
        "cr\r\nlf",
        "nul\x00",
        "é 名前 \u2028 \u202e",
        '"quoted" \\ {json}',
    ]
    assert stream.getvalue().isascii()


def test_the_exception_is_included_and_redacted(json_log):
    logger, stream = json_log
    try:
        raise ConnectionError(f"Max retries exceeded with url: /v1/keys?access_token={SECRET}&x=1")
    except ConnectionError:
        logger.exception("Fetch of %s failed", f"https://issuer.test/v1/keys?client_secret={SECRET}")
    [entry] = lines(stream)
    assert entry["level"] == "ERROR"
    assert "Traceback (most recent call last)" in entry["exception"]
    assert "ConnectionError: Max retries exceeded with url: /v1/keys?access_token=[redacted]&x=1" in entry["exception"]
    assert entry["message"] == "Fetch of https://issuer.test/v1/keys?client_secret=[redacted] failed"
    assert SECRET not in stream.getvalue()


def test_the_plain_format_redacts_exceptions_too():
    logger, stream = capture(logging.Formatter(PLAIN_FORMAT))
    try:
        try:
            raise ValueError(f"/?token={SECRET}")
        except ValueError:
            logger.exception("failed")
    finally:
        logger.handlers.clear()
    assert "ValueError: /?token=[redacted]" in stream.getvalue()
    assert SECRET not in stream.getvalue()
    assert " ERROR ccproject.test [-]: failed" in stream.getvalue()


def test_the_stack_is_included(json_log):
    logger, stream = json_log
    logger.info("where", stack_info=True)
    assert lines(stream)[0]["stack"].startswith("Stack (most recent call last)")


def test_extras_are_never_written(json_log):
    logger, stream = json_log
    logger.info("Bad Request: /", extra={"request": f"<WSGIRequest: GET '/?access_token={SECRET}'>", "x": 1})
    assert SECRET not in stream.getvalue()
    assert set(lines(stream)[0]) == {"time", "level", "logger", "message", "request_id"}


def test_the_record_carries_the_current_request_id(json_log):
    logger, stream = json_log
    token = request_id._current.set("abc-1")
    try:
        logger.info("inside")
    finally:
        request_id._current.reset(token)
    logger.info("outside")
    assert [entry["request_id"] for entry in lines(stream)] == ["abc-1", "-"]


def test_djangos_request_log_in_json_holds_the_id_and_no_secret(client, settings):
    settings.REQUEST_ID_HEADER_TRUSTED = True
    logger, stream = capture(JsonFormatter(), "django.request")
    try:
        response = client.get(f"/?access_token={SECRET}", HTTP_X_REQUEST_ID="edge-7")
    finally:
        logger.handlers.clear()
    assert response.status_code == 400
    [entry] = lines(stream)
    assert entry["message"] == "Bad Request: /"
    assert entry["request_id"] == "edge-7" == response["X-Request-ID"]
    assert SECRET not in stream.getvalue()


# --- gunicorn's logs ---


@pytest.fixture
def gunicorn_logger(monkeypatch):
    def make(log_format: str) -> tuple[GunicornLogger, io.StringIO]:
        monkeypatch.setenv("LOG_FORMAT", log_format)
        cfg = Config()
        cfg.set("accesslog", "-")
        cfg.set("access_log_format", '%(h)s "%(r)s" %(s)s %({x-request-id}o)s')
        logger = GunicornLogger(cfg)
        stream = io.StringIO()
        for log in (logger.error_log, logger.access_log):
            for handler in log.handlers:
                if getattr(handler, "_gunicorn", False):
                    handler.setStream(stream)
        return logger, stream

    return make


def access(logger: GunicornLogger, request_line: str, request_id_header: str | None) -> None:
    atoms = {"h": "10.0.0.1", "r": request_line, "s": 400}
    if request_id_header is not None:
        atoms["{x-request-id}o"] = request_id_header
    logger.access_log.info(logger.cfg.access_log_format, SafeAtoms(atoms))


def test_gunicorns_plain_access_line_ends_with_the_request_id(gunicorn_logger):
    logger, stream = gunicorn_logger("plain")
    access(logger, f"GET /?access_token={SECRET} HTTP/1.1", "abc")
    assert stream.getvalue() == '10.0.0.1 "GET /?access_token=[redacted] HTTP/1.1" 400 abc\n'


def test_gunicorns_json_logs(gunicorn_logger):
    logger, stream = gunicorn_logger("json")
    access(logger, f"GET /?code={SECRET} HTTP/1.1", "abc")
    access(logger, "GET / HTTP/1.1", None)  # an answer gunicorn made itself: no id
    logger.error("Error handling request %s", f"/?client_secret={SECRET}")
    access_line, idless, error = lines(stream)
    assert access_line["logger"] == "gunicorn.access"
    assert access_line["message"] == '10.0.0.1 "GET /?code=[redacted] HTTP/1.1" 400 abc'
    assert access_line["request_id"] == "abc"
    assert idless["request_id"] == "-"
    assert error["logger"] == "gunicorn.error" and error["level"] == "ERROR"
    assert error["message"] == "Error handling request /?client_secret=[redacted]"
    assert SECRET not in stream.getvalue()


def test_a_bad_log_format_stops_gunicorn(monkeypatch):
    monkeypatch.setenv("LOG_FORMAT", "xml")
    with pytest.raises(RuntimeError, match="LOG_FORMAT must be one of plain, json"):
        GunicornLogger(Config())


def test_gunicorns_reload_keeps_one_filter_of_each_kind(gunicorn_logger):
    logger, _ = gunicorn_logger("json")
    logger.setup(logger.cfg)
    for log in (logger.error_log, logger.access_log):
        kinds = [type(existing) for existing in log.filters]
        assert kinds.count(RedactQueryFilter) == 1 and kinds.count(RequestIdFilter) == 1
