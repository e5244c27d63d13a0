"""Project middleware: a Content-Security-Policy on responses, and the input guard on requests."""

from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import HttpRequest, HttpResponse
from django.utils.http import parse_header_parameters

from .http import error_response, no_store
from .text import control_character_problem

FORM_MEDIA_TYPE = "application/x-www-form-urlencoded"

# JSON and the like are never rendered: forbid everything. HTML (the admin, DRF's browsable
# API) keeps its own scripts and styles but may not be framed, post elsewhere or load plugins.
DEFAULT_CONTENT_SECURITY_POLICY = {
    "html": "frame-ancestors 'none'; form-action 'self'; object-src 'none'; base-uri 'none'",
    "other": "default-src 'none'; frame-ancestors 'none'; sandbox",
}


class SecurityHeadersMiddleware:
    """Add `Content-Security-Policy` (W3C CSP Level 3) to responses that carry none.

    The policy comes from `settings.CONTENT_SECURITY_POLICY` (`{"html": ..., "other": ...}`),
    read per response so `override_settings` applies; an empty value sends no header.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "Content-Security-Policy" not in response:
            policy = self.policy_for(response)
            if policy:
                response["Content-Security-Policy"] = policy
        return response

    def policy_for(self, response: HttpResponse) -> str:
        policies = {**DEFAULT_CONTENT_SECURITY_POLICY, **getattr(settings, "CONTENT_SECURITY_POLICY", {})}
        content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
        return policies["html"] if content_type == "text/html" else policies["other"]


def input_error_response(error: str, description: str, status: int = 400) -> HttpResponse:
    """The refusal in the `{"error", "error_description"}` shape the API and the OAuth endpoints speak."""
    return no_store(error_response(error, description, status))


class InputGuardMiddleware:
    """Refuse, before any view reads them, request strings no view can handle (`ccproject.text`).

    Checks the path, the query string and a form body: a control character or a lone
    surrogate, a charset other than UTF-8 (RFC 8259 §8.1 for JSON, RFC 6749 Appendix B and
    the WHATWG URL standard for forms), a form Django refuses to parse (too big, too many
    fields). It runs before CSRF, which reads the form too. The refusal takes the view's
    error shape: a view class (or function) may define `input_error_response(error, description,
    status)` (the Okta Apps API does); the default is `{"error", "error_description"}`.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs) -> HttpResponse | None:
        refusal = self.refusal(request)
        if refusal is None:
            return None
        view_class = getattr(view_func, "view_class", None) or getattr(view_func, "cls", None)
        render = (
            getattr(view_class, "input_error_response", None)
            or getattr(view_func, "input_error_response", None)
            or input_error_response
        )
        return render(*refusal)

    def refusal(self, request: HttpRequest) -> tuple[str, str, int] | None:
        """`(error, description, status)` for a request no view should see, else `None`."""
        problem = control_character_problem(request.path)
        if problem:
            return "invalid_request", f"The path contains {problem}.", 400
        # Most requests (the API's GET with a bearer token) have no query and no body: parse neither.
        content_type = request.META.get("CONTENT_TYPE", "")
        media_type, params = parse_header_parameters(content_type) if content_type else ("", {})
        charset = params.get("charset")
        if charset is not None and charset.lower() != "utf-8":
            return "invalid_request", f"Request bodies must be UTF-8, not {charset[:40]!r}.", 400
        try:
            fields = [request.GET] if request.META.get("QUERY_STRING") else []
            if media_type == FORM_MEDIA_TYPE:
                fields.append(request.POST)
        except RequestDataTooBig:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
            return "request_too_large", f"The request body is larger than {limit} bytes.", 413
        except SuspiciousOperation as exc:  # too many fields (Django's DATA_UPLOAD_MAX_NUMBER_FIELDS)
            return "parse_error", str(exc), 400
        for values in fields:
            for name, items in values.lists():
                for text in (name, *items):
                    problem = control_character_problem(text)
                    if problem:
                        return "invalid_request", f"The parameter {name[:40]!r} contains {problem}.", 400
        return None
