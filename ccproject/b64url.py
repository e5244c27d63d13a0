"""base64url without padding (RFC 7515 §2): the one codec of JWS segments, JWK members and nonces."""

import binascii

# One translation both converts and refuses: base64url's `-` and `_` become base64's `+` and `/`,
# and base64's own `+`, `/` and the padding `=`, which base64url has not, become `*`, a byte
# `a2b_base64` refuses in strict mode, in C, like any other character outside the alphabet.
_TO_BASE64 = bytes.maketrans(b"-_+/=", b"+/***")
_TO_BASE64URL = bytes.maketrans(b"+/", b"-_")


def b64url_decode(segment: str) -> bytes:
    """The bytes of `[A-Za-z0-9_-]*` text; anything else raises `binascii.Error` (`UnicodeEncodeError` if not ASCII)."""
    if not isinstance(segment, str):
        raise binascii.Error("not base64url")
    data = segment.encode("ascii").translate(_TO_BASE64)
    return binascii.a2b_base64(data + b"=" * (-len(segment) % 4), strict_mode=True)


def b64url_encode(data: bytes) -> str:
    return binascii.b2a_base64(data, newline=False).rstrip(b"=").translate(_TO_BASE64URL).decode()
