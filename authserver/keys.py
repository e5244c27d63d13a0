"""Signing keys: creation (RS256, ES256), rotation, retirement, the current signer and the JWKS (RFC 7517)."""

import base64
import hashlib
import json
from datetime import datetime, timedelta
from functools import lru_cache

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from oauth2_provider.settings import oauth2_settings

from .conf import authserver_settings
from .models import SigningKey

ALGORITHMS = ("RS256", "ES256")


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64uint(value: int, length: int | None = None) -> str:
    """RFC 7518 §6.3.1 / §6.2.1.2: a big-endian unsigned integer (fixed length for EC coordinates)."""
    return _b64(value.to_bytes(length or (value.bit_length() + 7) // 8, "big"))


def _public_members(private_key) -> dict:
    """The JWK members that define a public key (RFC 7518 §6.2, §6.3)."""
    numbers = private_key.public_key().public_numbers()
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return {"kty": "EC", "crv": "P-256", "x": _b64uint(numbers.x, 32), "y": _b64uint(numbers.y, 32)}
    return {"kty": "RSA", "n": _b64uint(numbers.n), "e": _b64uint(numbers.e)}


def _thumbprint(members: dict) -> str:
    """RFC 7638 JWK thumbprint (the required members, sorted, no whitespace), used as the `kid`."""
    canonical = json.dumps(dict(sorted(members.items())), separators=(",", ":"))
    return _b64(hashlib.sha256(canonical.encode()).digest())


def create_signing_key(algorithm: str | None = None, key_size: int | None = None) -> SigningKey:
    """Generate and store a new signing key (RS256 or ES256); the newest active key signs."""
    algorithm = algorithm or authserver_settings.SIGNING_ALGORITHM
    if algorithm == "ES256":
        private_key = ec.generate_private_key(ec.SECP256R1())
    elif algorithm == "RS256":
        private_key = rsa.generate_private_key(
            public_exponent=65537, key_size=key_size or authserver_settings.RSA_KEY_SIZE
        )
    else:
        raise ValueError(f"Unsupported signing algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}.")
    pem = private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    kid = _thumbprint(_public_members(private_key))
    return SigningKey.objects.create(kid=kid, algorithm=algorithm, private_key_pem=pem)


def ensure_signing_key() -> SigningKey:
    """Return the current signing key, creating the first one if there is none."""
    return current_signing_key() or create_signing_key()


def current_signing_key(now: datetime | None = None) -> SigningKey | None:
    """The key that signs now: the newest one past its activation and not yet deactivated."""
    now = now or timezone.now()
    return (
        SigningKey.objects.published(now)
        .filter(Q(activates_at__isnull=True) | Q(activates_at__lte=now))
        .filter(Q(deactivated_at__isnull=True) | Q(deactivated_at__gt=now))
        .first()
    )


def key_state(key: SigningKey, now: datetime | None = None) -> str:
    """`next` (published, not signing yet), `signing`, `rotated out` (published for its tokens) or `retired`."""
    now = now or timezone.now()
    if key.retired_at or (key.publish_until and key.publish_until <= now):
        return "retired"
    if key.activates_at and key.activates_at > now:
        return "next"
    if key.deactivated_at and key.deactivated_at <= now:
        return "rotated out"
    return "signing"


@lru_cache(maxsize=32)
def load_private_key(kid: str, pem: str):
    """Parse a PEM once per process: key loading validates the key and costs milliseconds."""
    return serialization.load_pem_private_key(pem.encode(), password=None)


def public_jwk(key: SigningKey) -> dict:
    members = _public_members(load_private_key(key.kid, key.private_key_pem))
    return {**members, "alg": key.algorithm, "kid": key.kid, "use": "sig"}


def token_lifetime_bound() -> timedelta:
    """How long after it stops signing a key must stay published: the longest token life plus skew."""
    seconds = oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS + authserver_settings.KEY_RETIREMENT_LEEWAY
    return timedelta(seconds=seconds)


@transaction.atomic
def rotate_signing_key(
    algorithm: str | None = None, now: datetime | None = None, prepublish: float | None = None
) -> tuple[SigningKey, list[SigningKey]]:
    """Publish a new key now and make it the signer `prepublish` seconds later (`KEY_PREPUBLISH_SECONDS`).

    The keys it replaces sign until then and stay published until every token they signed has
    expired. Returns the new key and the replaced ones. Never retires anything itself.
    """
    now = now or timezone.now()
    if prepublish is None:
        prepublish = authserver_settings.KEY_PREPUBLISH_SECONDS
    replaced = list(SigningKey.objects.select_for_update().filter(deactivated_at__isnull=True, retired_at__isnull=True))
    new_key = create_signing_key(algorithm)
    new_key.activates_at = now + timedelta(seconds=prepublish)
    new_key.save(update_fields=["activates_at"])
    for key in replaced:
        key.deactivated_at = new_key.activates_at
        key.publish_until = new_key.activates_at + token_lifetime_bound()
        key.save(update_fields=["deactivated_at", "publish_until"])
    return new_key, replaced


@transaction.atomic
def replace_compromised_keys(algorithm: str | None = None, now: datetime | None = None) -> tuple[SigningKey, list[str]]:
    """A new key signs now; every other key is unpublished at once and its private key erased.

    For a signing key that leaked. Tokens it signed stop verifying wherever the JWKS is read
    again (resource servers that cache it keep them until they refresh). Every key, not only
    the signing one: they are kept side by side, so what exposed one exposed all. Returns the
    new key and the retired kids.
    """
    now = now or timezone.now()
    others = SigningKey.objects.select_for_update().filter(retired_at__isnull=True)
    kids = list(others.values_list("kid", flat=True))
    new_key = create_signing_key(algorithm)
    new_key.activates_at = now
    new_key.save(update_fields=["activates_at"])
    SigningKey.objects.filter(kid__in=kids).update(
        retired_at=now, private_key_pem="", deactivated_at=now, publish_until=now
    )
    # This process's parsed copies go too (workers never sign with a retired key again: see current_signing_key).
    load_private_key.cache_clear()
    return new_key, kids


def retire_expired_keys(now: datetime | None = None) -> list[str]:
    """Retire rotated-out keys whose every token has expired: private key destroyed, marked retired.

    Such keys left the JWKS at `publish_until` already (`SigningKey.objects.published`); this
    erases what is left of them. `manage.py rotate_signing_key` runs it on every rotation, and
    `--retire-only` runs only this, for a periodic job. Returns the retired kids.
    """
    now = now or timezone.now()
    due = SigningKey.objects.filter(retired_at__isnull=True, publish_until__isnull=False, publish_until__lte=now)
    kids = list(due.values_list("kid", flat=True))
    if kids:
        # A retired key never signs or verifies again, so nothing needs its private half.
        SigningKey.objects.filter(kid__in=kids, retired_at__isnull=True).update(retired_at=now, private_key_pem="")
    return kids


def published_keys(now: datetime | None = None) -> list[SigningKey]:
    """Every key whose tokens may still be in use, newest first. A read: it never retires anything."""
    return list(SigningKey.objects.published(now))


def published_jwks() -> dict:
    """The JWKS document: every key whose tokens may still be in use."""
    return {"keys": [public_jwk(key) for key in published_keys()]}
