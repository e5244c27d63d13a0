"""The one JSON request-body parser: bounded in size and depth, strict JSON, every string held to the text rule.

Every JSON body any view reads goes through `parse_json`: DRF's parser (`api.parsers`) and the
embedded server's admin endpoints (`json_object_body`). The json module recurses once per
nesting level, so a document `[[[[...` tens of thousands deep fails inside it; a depth bound far
below that (no request here nests past a handful) refuses it cleanly, whatever the stack.
"""

import json

from .text import control_character_problem

# The embedded server's client metadata and application bodies are a few hundred bytes.
MAX_BODY_BYTES = 64 * 1024
MAX_DEPTH = 32


class JSONBodyError(ValueError):
    """A body that cannot be accepted; the message is client-facing."""


class MalformedJSON(JSONBodyError):
    """Not a JSON document in UTF-8 (RFC 8259 §8.1), too large, or nested too deeply."""


class UnacceptableText(JSONBodyError):
    """Well-formed JSON with a string no field accepts: a control character or a lone surrogate."""


def _refuse_constant(name: str):
    raise MalformedJSON(f"{name} is not JSON (RFC 8259 §6).")


def parse_json(raw: bytes, *, max_bytes: int = MAX_BODY_BYTES, max_depth: int = MAX_DEPTH):
    """The document in `raw`; raises `MalformedJSON` or `UnacceptableText`."""
    if len(raw) > max_bytes:
        raise MalformedJSON(f"The body is larger than {max_bytes} bytes.")
    try:
        value = json.loads(raw.decode("utf-8"), parse_constant=_refuse_constant)
    except RecursionError as exc:
        raise MalformedJSON(f"The document is nested more than {max_depth} levels deep.") from exc
    except UnicodeDecodeError as exc:
        raise MalformedJSON("The body is not UTF-8 (RFC 8259 §8.1).") from exc
    except ValueError as exc:
        if isinstance(exc, JSONBodyError):
            raise
        raise MalformedJSON(f"The body is not JSON: {exc}.") from exc
    check_document(value, max_depth)
    return value


def check_document(value, max_depth: int = MAX_DEPTH) -> None:
    """Walk a parsed document without recursion: its depth, and every name and string in it."""
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, (dict, list)):
            if depth > max_depth:
                raise MalformedJSON(f"The document is nested more than {max_depth} levels deep.")
            children = item.items() if isinstance(item, dict) else enumerate(item)
            for name, child in children:
                if isinstance(name, str):
                    pending.append((name, depth))
                pending.append((child, depth + 1))
        elif isinstance(item, str):
            problem = control_character_problem(item)
            if problem:
                raise UnacceptableText(f"A string in the body contains {problem}.")


def json_object_body(request, max_bytes: int = MAX_BODY_BYTES) -> dict:
    """The request body as a JSON object; raises `JSONBodyError` (`MalformedJSON` for a non-object)."""
    body = parse_json(request.body or b"null", max_bytes=max_bytes)
    if not isinstance(body, dict):
        raise MalformedJSON("The body must be a JSON object.")
    return body
