"""The JSON 404 for a path under an API's prefix that names no endpoint, rather than Django's HTML page.

An app routes `unknown_path` last, under each prefix its clients speak JSON on (the embedded
server's `oauth2/`, registration's `register/` and `clients/`); the admin site and any other path
keep Django's own pages.
"""

from django.conf import settings
from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.middleware.common import CommonMiddleware
from django.urls import is_valid_path
from django.views.decorators.csrf import csrf_exempt

from .http import error_response, no_store

# The description of every such 404: it never repeats the path (/metrics answers it to strangers too).
NO_ENDPOINT = "No endpoint at this path."
# Only its `get_full_path_with_slash`, so a redirect here is the one the middleware would send.
_APPEND_SLASH = CommonMiddleware(lambda request: None)


def not_found_response(description: str) -> HttpResponse:
    """404 `not_found` in the `{"error", "error_description"}` shape, kept by no cache."""
    return no_store(error_response("not_found", description, 404))


@csrf_exempt  # It reads nothing and changes nothing: a POST gets the same JSON 404, not the CSRF page.
def unknown_path(request, *args, **kwargs) -> HttpResponse:
    """Any other path under the prefix: 404 `not_found`, whose description never repeats the path.

    A path that names an endpoint once a slash is appended is redirected there, as Django's
    `APPEND_SLASH` does for a path nothing matches (this route matches it, so the middleware cannot).
    """
    if settings.APPEND_SLASH and not request.path_info.endswith("/"):
        match = is_valid_path(request.path_info + "/", getattr(request, "urlconf", None))
        if match and match.func is not unknown_path and getattr(match.func, "should_append_slash", True):
            return HttpResponsePermanentRedirect(_APPEND_SLASH.get_full_path_with_slash(request))
    return not_found_response(NO_ENDPOINT)
