"""The browsable API, with a readable explanation of authentication errors."""

from django.urls import NoReverseMatch, reverse
from rest_framework import renderers

from .discovery import token_endpoint
from .schema import required_scopes


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's browsable API; a 4xx/5xx page shows the error and, for a 401, how to get a token."""

    template = "api/browsable_api.html"

    def get_context(self, data, accepted_media_type, renderer_context) -> dict:
        context = super().get_context(data, accepted_media_type, renderer_context)
        response = renderer_context["response"]
        error = data if isinstance(data, dict) and "error" in data else None
        context["api_error"] = error if response.status_code >= 400 else None
        context["token_endpoint"] = token_endpoint()
        context["docs_url"] = _docs_url()
        view = renderer_context.get("view")
        context["required_scopes"] = " ".join(required_scopes(view)) if view is not None else ""
        return context


def _docs_url() -> str | None:
    try:
        return reverse("swagger-ui")
    except NoReverseMatch:
        return None
