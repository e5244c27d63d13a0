"""The suite-wide secret watch (tests/support/secret_watch.py) catches what it is meant to."""

import logging

from authserver.service_clients import generate_client_secret
from tests.support.secret_watch import SecretWatch


def record(watch: SecretWatch, message: str, *args) -> None:
    watch.handle(logging.LogRecord("api", logging.WARNING, __file__, 1, message, args, None))


def test_a_generated_secret_in_a_record_is_a_leak():
    watch = SecretWatch()
    secret = watch.recording(generate_client_secret)()
    record(watch, "client created with %s", secret)
    record(watch, "client created")
    assert watch.records == 2 and len(watch.leaks) == 1 and "1 of 2" in watch.report()


def test_a_signed_token_in_a_record_is_a_leak(make_token):
    watch = SecretWatch()
    record(watch, "refused %s", make_token())
    record(watch, "refused a token for client %s (kid %s)", "abc", "test-key-1")
    assert len(watch.leaks) == 1


def test_the_session_watch_records_the_secrets_the_server_creates(secret_watch, db):
    from authserver.service_clients import create_service_client

    _, secret = create_service_client(label="watched", scopes=["hello:read"])
    assert secret in secret_watch.secrets
