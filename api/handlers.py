"""The project's DRF exception handler: every error body is `{"error", "error_description"}`."""

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.http import Http404
from rest_framework import exceptions
from rest_framework.views import exception_handler as drf_exception_handler

from .authentication import challenge_scope
from .conf import api_settings
from .exceptions import BearerError, InsufficientScope, RequestTooLarge


def _error_code(exc: exceptions.APIException) -> str:
    if isinstance(exc, BearerError):
        return exc.error_code
    codes = exc.get_codes()
    return codes if isinstance(codes, str) else "invalid_request"


def _how_to_authenticate() -> str:
    return (
        "This API needs an OAuth 2.0 access token: send 'Authorization: Bearer <token>'. "
        f"Get a token from the issuer {api_settings.ISSUER} with the client credentials grant "
        "(for example `python manage.py get_token`)."
    )


def exception_handler(exc, context):
    """DRF's handler, with every error body shaped `{"error", "error_description"}`.

    Field errors of a validation failure stay available under `fields`.
    """
    # DRF turns Django's Http404 and PermissionDenied into its own exceptions only inside its
    # handler; convert them first so their bodies follow the contract too.
    if isinstance(exc, Http404):
        exc = exceptions.NotFound(*exc.args)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    elif isinstance(exc, RequestDataTooBig):
        # Raised when DRF reads `request.body`: the declared length is over the limit, nothing was read.
        exc = RequestTooLarge(f"The request body is larger than {settings.DATA_UPLOAD_MAX_MEMORY_SIZE} bytes.")
    elif isinstance(exc, SuspiciousOperation):
        # Too many form fields or files: Django's own refusal, in the contract's shape.
        exc = exceptions.ParseError(str(exc))
    elif isinstance(exc, BearerError) and exc.status_code == 401 and "scope" not in exc.challenge:
        # A rejected token: name the scope a new one needs, as the bare 401 does.
        exc.challenge.update(challenge_scope(context.get("request")))
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc.detail, (list, dict)):
        body = {"error": "invalid_request", "error_description": "The request is invalid.", "fields": exc.detail}
    elif isinstance(exc, exceptions.NotAuthenticated):
        body = {"error": "unauthorized", "error_description": _how_to_authenticate()}
    else:
        body = {"error": _error_code(exc), "error_description": str(exc.detail)}
    if isinstance(exc, InsufficientScope) and exc.scope:
        # The scopes the request needs, as the challenge's `scope` attribute names them.
        body["scope"] = exc.scope
    response.data = body
    for name, value in getattr(exc, "headers", {}).items():
        response[name] = value
    return response
