"""The JSON object a request to the embedded server's admin endpoints carries, bounded in size."""

import json

# Client metadata and application bodies are a few hundred bytes; anything near this is not one.
MAX_BODY_BYTES = 64 * 1024


def json_object_body(request) -> dict | None:
    """The body as a JSON object; `None` when it is larger than `MAX_BODY_BYTES`, not JSON, or not an object."""
    if len(request.body) > MAX_BODY_BYTES:
        return None
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        return None
    return body if isinstance(body, dict) else None
