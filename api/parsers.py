"""DRF's JSON parser with a clear 400 for documents nested too deeply (the size bound is Django's)."""

from rest_framework import exceptions, parsers


class JSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            # The json module recurses per nesting level: `[[[[...` a few thousand deep exhausts the stack.
            raise exceptions.ParseError("JSON parse error - the document is nested too deeply.") from exc
