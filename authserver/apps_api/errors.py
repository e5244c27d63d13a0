"""Okta's error objects (`errorCode`, `errorSummary`, `errorLink`, `errorId`, `errorCauses`)."""

import secrets

from django.http import JsonResponse


class OktaError(Exception):
    """An Apps API failure, rendered as Okta renders it; summaries are client-facing and never hold secrets."""

    status_code = 400
    error_code = "E0000001"
    summary = "Api validation failed"

    def __init__(self, summary: str | None = None, causes: list[str] | None = None):
        self.summary = summary or self.summary
        self.causes = causes or []
        super().__init__(self.summary)

    def response(self) -> JsonResponse:
        body = {
            "errorCode": self.error_code,
            "errorSummary": self.summary,
            "errorLink": self.error_code,
            # Okta's errorId identifies one occurrence for support; ours is random too.
            "errorId": "oae" + secrets.token_urlsafe(16),
            "errorCauses": [{"errorSummary": cause} for cause in self.causes],
        }
        response = JsonResponse(body, status=self.status_code)
        for name, value in self.headers().items():
            response[name] = value
        return response

    def headers(self) -> dict[str, str]:
        return {}


class ValidationFailed(OktaError):
    """E0000001: the body or a parameter is invalid; `causes` name each problem."""

    def __init__(self, field: str, causes: list[str]):
        super().__init__(f"Api validation failed: {field}", causes)


class MalformedBody(OktaError):
    error_code = "E0000003"
    summary = "The request body was not well-formed."


class InvalidApiToken(OktaError):
    status_code = 401
    error_code = "E0000011"
    summary = "Invalid token provided"

    def headers(self) -> dict[str, str]:
        # RFC 9110 §15.5.2: a 401 names the scheme that would work.
        return {"WWW-Authenticate": 'SSWS realm="Okta Apps API"'}


class AccessDenied(OktaError):
    status_code = 403
    error_code = "E0000006"
    summary = "You do not have permission to perform the requested action"


class NotFound(OktaError):
    status_code = 404
    error_code = "E0000007"

    def __init__(self, resource_id: str, resource_type: str = "AppInstance"):
        super().__init__(f"Not found: Resource not found: {resource_id} ({resource_type})")


class UnknownPath(OktaError):
    status_code = 404
    error_code = "E0000007"

    def __init__(self, path: str):
        super().__init__(f"Not found: Resource not found: {path[:200]}")


class MethodNotAllowed(OktaError):
    status_code = 405
    error_code = "E0000022"
    summary = "The endpoint does not support the provided HTTP method"


class InvalidSearch(OktaError):
    error_code = "E0000031"
    summary = "Invalid search criteria."


class DeleteActiveApp(OktaError):
    status_code = 403
    error_code = "E0000056"
    summary = "Delete application forbidden."

    def __init__(self):
        super().__init__(causes=["The application is active: deactivate it before deleting it."])
