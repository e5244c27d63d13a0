"""Strict JSON for documents from other parties (key sets, metadata, JWT headers and claims, DPoP proofs)."""

import json
import math
import re

# A UTF-16 surrogate code point: half of a pair, never a character of its own (Unicode §3.9, D71).
_SURROGATE = re.compile("[\ud800-\udfff]")


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
_scan_once = _STRICT_DECODER.scan_once


def _refuse_lone_surrogates(value) -> None:
    """Raise `ValueError` if a string anywhere in a decoded document holds a surrogate.

    The decoder turns an escaped pair (`\\ud83d\\ude00`) into its one character; an escape of
    half a pair (`\\ud800`) it keeps as a lone surrogate, which is not Unicode text (RFC 8259
    §8.2: such a string's behaviour is unpredictable), so the whole document is refused.
    """
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, dict):
            pending.extend(item)  # the names
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
        elif isinstance(item, str) and _SURROGATE.search(item):
            raise ValueError("a string holds a lone surrogate (invalid Unicode)")


def loads(raw: bytes | str):
    """Strict JSON: no duplicate names, no NaN or Infinity (nor a number that overflows to it),
    no lone surrogate (escaped, encoded, or in the text given).

    Bytes are read in the encoding `json.loads` detects, strictly. Raises `ValueError`.
    """
    if isinstance(raw, bytes | bytearray):
        # Strict decoding refuses the bytes of a surrogate (`surrogatepass`, as `json.loads`, would not).
        text = raw.decode(json.detect_encoding(raw))
    elif raw.startswith("\ufeff"):
        raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", raw, 0)
    elif not raw.isascii() and _SURROGATE.search(raw):  # `isascii` reads a flag: the usual text costs nothing
        raise ValueError("the text holds a lone surrogate (invalid Unicode)")
    else:
        text = raw
    # The whole text in one scan when it is the usual one value without surrounding whitespace;
    # the decoder's own `decode` answers everything else (whitespace, extra data, the errors).
    try:
        value, end = _scan_once(text, 0)
    except StopIteration:
        end = -1
    if end != len(text):
        value = _STRICT_DECODER.decode(text)
    # Decoded text holds no surrogate now (checked above): only an escape can have made one.
    if "\\u" in text:
        _refuse_lone_surrogates(value)
    return value
