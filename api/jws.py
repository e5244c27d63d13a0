"""Compact JWS (RFC 7515 §7.1) parsing and signature checks: strict, and without a per-character scan.

PyJWT checks every character of every segment in a Python loop (about half of its `decode`);
here one C-level regular expression does the same job, and the canonical-encoding check
looks only at the last character (RFC 4648 §3.5: the unused bits must be zero).
"""

import base64
import binascii
import json
import re
from dataclasses import dataclass

import jwt

# RFC 7515 §2: base64url without padding. Like PyJWT, padding to a multiple of four is
# tolerated (some issuers send it), nothing else outside the alphabet is.
_SEGMENT = re.compile(r"[A-Za-z0-9_-]*(?:==?)?")
# The last character of a canonical encoding, by `len % 4` of the unpadded segment: with
# 2 characters left over 4 bits are unused, with 3 left over 2 bits are (RFC 4648 §3.5).
_CANONICAL_LAST = {2: frozenset("AQgw"), 3: frozenset("AEIMQUYcgkosw048")}


class MalformedJWS(ValueError):
    """The token is not a well-formed compact JWS carrying a JSON object; the message is safe to show."""


@dataclass(frozen=True, slots=True)
class CompactJWS:
    """The decoded parts of a compact JWS; nothing here is verified yet."""

    header: dict
    claims: dict
    signing_input: bytes
    signature: bytes


def b64url_decode(segment: str) -> bytes:
    """Strict base64url (RFC 4648 §5): the alphabet only, a valid length, canonical trailing bits."""
    if not _SEGMENT.fullmatch(segment):
        raise MalformedJWS("The access token is malformed (not base64url).")
    stripped = segment.rstrip("=")
    if stripped is not segment and len(segment) % 4:
        raise MalformedJWS("The access token is malformed (bad base64url padding).")
    left_over = len(stripped) % 4
    if left_over == 1 or (left_over and stripped[-1] not in _CANONICAL_LAST[left_over]):
        raise MalformedJWS("The access token is malformed (not canonical base64url).")
    try:
        return base64.urlsafe_b64decode(stripped + "=" * (-len(stripped) % 4))
    except binascii.Error as exc:  # pragma: no cover - the checks above leave nothing for it
        raise MalformedJWS("The access token is malformed (not base64url).") from exc


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON (RFC 8259)")


def json_object(data: bytes, part: str) -> dict:
    """A JSON object from UTF-8 bytes (RFC 7515 §5.2 step 3, RFC 7519 §7.2 step 10)."""
    try:
        value = json.loads(data.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise MalformedJWS(f"The access token's {part} is not JSON.") from exc
    if not isinstance(value, dict):
        raise MalformedJWS(f"The access token's {part} is not a JSON object.")
    return value


def parse(token: str) -> CompactJWS:
    """Split and decode a compact JWS; raise `MalformedJWS`.

    Rejects what this API does not implement rather than ignoring it: a `crit` header
    (RFC 7515 §4.1.11) and the unencoded payload option (`b64`, RFC 7797).
    """
    header_segment, dot, rest = token.partition(".")
    payload_segment, dot2, signature_segment = rest.partition(".")
    if not dot or not dot2 or "." in signature_segment:
        raise MalformedJWS("The access token is malformed (a JWT has three parts).")
    header = json_object(b64url_decode(header_segment), "header")
    if "crit" in header or "b64" in header:
        raise MalformedJWS("The access token uses a JWS extension this API does not support.")
    claims = json_object(b64url_decode(payload_segment), "payload")
    signature = b64url_decode(signature_segment)
    signing_input = token[: len(header_segment) + 1 + len(payload_segment)].encode("ascii")
    return CompactJWS(header=header, claims=claims, signing_input=signing_input, signature=signature)


def verify_signature(jws: CompactJWS, key: jwt.PyJWK) -> bool:
    """Whether `key` signed `jws`, with the algorithm bound to the key (RFC 8725 §3.1), never the header's."""
    return key.Algorithm.verify(jws.signing_input, key.key, jws.signature)
