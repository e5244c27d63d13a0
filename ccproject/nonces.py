"""Stateless DPoP nonces (RFC 9449 §8, §9): a MAC of a time window, so every host checks them without shared state."""

import hashlib
import hmac

from django.conf import settings

from .dpop import b64url_decode, b64url_encode


class NonceSource:
    """Nonces that rotate every `lifetime` seconds; the current and the previous one are accepted.

    A nonce is `{window}.{mac}`: the window number and an HMAC-SHA256 of it under a key derived
    from `secret` (default: `SECRET_KEY`, which every host of one deployment shares) and `salt`,
    so the API's nonces are never accepted by the issuer and the reverse. A client that cached
    one is asked for a new one at most once per `lifetime`.
    """

    def __init__(self, salt: str, *, lifetime: float = 300, secret: str | None = None):
        if lifetime <= 0:
            raise ValueError("a nonce lifetime is a positive number of seconds")
        secret = settings.SECRET_KEY if secret is None else secret
        self._key = hmac.new(secret.encode(), f"ccproject.dpop-nonce:{salt}".encode(), hashlib.sha256).digest()
        self.lifetime = lifetime

    def _mac(self, window: int) -> str:
        return b64url_encode(hmac.new(self._key, str(window).encode(), hashlib.sha256).digest()[:18])

    def _window(self, now: float) -> int:
        return int(now // self.lifetime)

    def current(self, now: float) -> str:
        """The nonce to hand out at `now` (`DPoP-Nonce`)."""
        window = self._window(now)
        return f"{window}.{self._mac(window)}"

    def is_valid(self, nonce: str, now: float) -> bool:
        """Whether `nonce` is this source's, from the window of `now` or the one before."""
        window, _, mac = nonce.partition(".")
        if not (window.isascii() and window.isdigit()) or len(window) > 12 or len(mac) != 24:
            return False
        try:
            b64url_decode(mac)
        except (ValueError, UnicodeError):
            return False
        if int(window) not in (self._window(now), self._window(now) - 1):
            return False
        return hmac.compare_digest(mac, self._mac(int(window)))
