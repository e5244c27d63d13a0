"""Encryption at rest of provider credentials, and key rotation."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from registration.crypto import DecryptionError, decrypt_json, encrypt_json
from registration.models import RegisteredClient

CREDENTIAL = {"registration_client_uri": "https://idp.test/c/1", "registration_access_token": "rat-" + "r" * 30}


def test_round_trip_and_no_plaintext():
    token = encrypt_json(CREDENTIAL)
    assert CREDENTIAL["registration_access_token"] not in token
    assert decrypt_json(token) == CREDENTIAL


def test_keys_default_to_secret_key_and_its_fallbacks(settings):
    token = encrypt_json(CREDENTIAL)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "k" * 40
    assert decrypt_json(token) == CREDENTIAL
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(DecryptionError, match="SECRET_KEY_FALLBACKS"):
        decrypt_json(token)


def test_rotation_with_the_command(settings):
    settings.REGISTRATION = {**settings.REGISTRATION, "ENCRYPTION_KEYS": ["old-key"]}
    record = RegisteredClient.objects.create(label="A", client_id="c1", provider="dynamic", status="active")
    record.set_credential(CREDENTIAL)
    record.save()
    settings.REGISTRATION = {**settings.REGISTRATION, "ENCRYPTION_KEYS": ["new-key", "old-key"]}
    out = StringIO()
    call_command("rotate_registration_keys", stdout=out)
    assert "Re-encrypted 1" in out.getvalue()
    settings.REGISTRATION = {**settings.REGISTRATION, "ENCRYPTION_KEYS": ["new-key"]}
    record.refresh_from_db()
    assert record.ref.credential == CREDENTIAL


def test_rotation_reports_undecryptable_rows(settings):
    settings.REGISTRATION = {**settings.REGISTRATION, "ENCRYPTION_KEYS": ["lost-key"]}
    record = RegisteredClient.objects.create(label="A", client_id="c1", provider="dynamic", status="active")
    record.set_credential(CREDENTIAL)
    record.save()
    settings.REGISTRATION = {**settings.REGISTRATION, "ENCRYPTION_KEYS": ["new-key"]}
    with pytest.raises(CommandError, match="cannot be decrypted"):
        call_command("rotate_registration_keys", stdout=StringIO())
