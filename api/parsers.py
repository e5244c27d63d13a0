"""DRF's JSON parser on the project's one bounded JSON parser (`ccproject.json_body`); the size bound is Django's."""

from django.conf import settings
from rest_framework import exceptions, parsers

from ccproject.json_body import MalformedJSON, UnacceptableText, parse_json


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        raw = stream.read() if stream is not None else b""
        try:
            return parse_json(raw, max_bytes=settings.DATA_UPLOAD_MAX_MEMORY_SIZE or len(raw))
        except MalformedJSON as exc:
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc
        except UnacceptableText as exc:
            # Well-formed JSON whose content no field accepts: the request, not its syntax, is wrong.
            raise exceptions.ParseError(str(exc), code="invalid_request") from exc
