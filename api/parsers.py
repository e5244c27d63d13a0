"""Request body parsers with bounds: an oversized body gets 413, JSON nested too deep a clear 400."""

from django.conf import settings
from rest_framework import exceptions, parsers, status


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = "The request body is too large."
    default_code = "request_too_large"


class BoundedBodyMixin:
    """Refuse a body declared larger than `DATA_UPLOAD_MAX_MEMORY_SIZE` before reading it.

    DRF's parsers read the whole stream (Django checks the limit only for `request.body` and
    multipart). Under WSGI Django never reads past `Content-Length`, so the declared length
    bounds what a parser can be handed.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        request = (parser_context or {}).get("request")
        if limit is not None and request is not None:
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if length > limit:
                raise RequestTooLarge(f"The request body is larger than {limit} bytes.")
        return super().parse(stream, media_type, parser_context)


class JSONParser(BoundedBodyMixin, parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            # The json module recurses per nesting level: `[[[[...` a few thousand deep exhausts the stack.
            raise exceptions.ParseError("JSON parse error - the document is nested too deeply.") from exc


class FormParser(BoundedBodyMixin, parsers.FormParser):
    pass


class MultiPartParser(BoundedBodyMixin, parsers.MultiPartParser):
    pass
