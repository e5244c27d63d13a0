"""Strict JSON for documents from other parties (key sets, metadata, JWT headers and claims, DPoP proofs)."""

import json
import math


def _object_without_duplicates(pairs: list) -> dict:
    # Duplicate names make a document ambiguous (RFC 8259 §4): refuse rather than guess.
    result = dict(pairs)
    if len(result) != len(pairs):
        raise ValueError("duplicate name")
    return result


def _reject_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def _finite_float(text: str) -> float:
    # `1e400` is a valid JSON number that Python reads as infinity: as unusable as `Infinity`.
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(f"{text[:20]} is out of range")
    return value


# One decoder for the process: `json.loads` with hooks builds a new one per call, which
# costs more than decoding a token's header and claims (it runs on every new token).
_STRICT_DECODER = json.JSONDecoder(
    object_pairs_hook=_object_without_duplicates, parse_constant=_reject_constant, parse_float=_finite_float
)


def loads(raw: bytes | str):
    """Strict JSON: no duplicate names, no NaN or Infinity (nor a number that overflows to it).

    Bytes are read as `json.loads` reads them. Raises `ValueError`.
    """
    if isinstance(raw, bytes | bytearray):
        raw = raw.decode(json.detect_encoding(raw), "surrogatepass")
    elif raw.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", raw, 0)
    return _STRICT_DECODER.decode(raw)
