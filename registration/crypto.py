"""Encryption at rest for credentials the service must keep (RFC 7592 registration access tokens).

Fernet (AES-128-CBC + HMAC-SHA256) keys are derived with HKDF-SHA256 from the secrets in
`REGISTRATION["ENCRYPTION_KEYS"]` (default: SECRET_KEY then SECRET_KEY_FALLBACKS). The first key
encrypts, every key decrypts, so rotation is: put the new secret first, keep the old ones after it,
run `manage.py rotate_registration_keys`, then drop the old ones.
"""

import base64
import json
from functools import lru_cache

from cryptography import fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from .conf import registration_settings
from .exceptions import RegistrationError

HKDF_INFO = b"ccproject.registration.credentials.v1"


class DecryptionError(RegistrationError):
    """A stored credential cannot be decrypted with any configured key."""


def derive_key(secret: str) -> bytes:
    """A Fernet key (urlsafe base64 of 32 bytes) derived from an arbitrary secret string."""
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO)
    return base64.urlsafe_b64encode(hkdf.derive(secret.encode()))


def key_secrets() -> list[str]:
    configured = registration_settings.ENCRYPTION_KEYS
    if configured is None:
        configured = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    secrets = [secret for secret in configured if secret]
    if not secrets:
        raise ImproperlyConfigured("REGISTRATION['ENCRYPTION_KEYS'] has no usable secret.")
    return secrets


@lru_cache(maxsize=1)
def cipher() -> fernet.MultiFernet:
    return fernet.MultiFernet([fernet.Fernet(derive_key(secret)) for secret in key_secrets()])


def reset_cipher() -> None:
    cipher.cache_clear()


def reset_cipher_on_change(*, setting: str, **kwargs) -> None:
    """`setting_changed` receiver: the keys derive from `ENCRYPTION_KEYS`, else `SECRET_KEY` and its fallbacks."""
    if setting in ("REGISTRATION", "SECRET_KEY", "SECRET_KEY_FALLBACKS"):
        reset_cipher()


def encrypt_json(value: dict) -> str:
    return cipher().encrypt(json.dumps(value, separators=(",", ":")).encode()).decode()


def decrypt_json(token: str) -> dict:
    try:
        return json.loads(cipher().decrypt(token.encode()))
    except (fernet.InvalidToken, ValueError) as exc:
        raise DecryptionError(
            "A stored provider credential cannot be decrypted: was an old key dropped from "
            "REGISTRATION['ENCRYPTION_KEYS'] (or SECRET_KEY changed without SECRET_KEY_FALLBACKS)?"
        ) from exc


def rotate(token: str) -> str:
    """The same plaintext encrypted under the first (current) key."""
    try:
        return cipher().rotate(token.encode()).decode()
    except fernet.InvalidToken as exc:
        raise DecryptionError("A stored provider credential cannot be decrypted with any configured key.") from exc
