"""Every use of django-oauth-toolkit's private (underscore) API, in one place, behind public names.

django-oauth-toolkit keeps these methods private, so an upgrade may rename them or change what
they take or return without notice. The rest of the server calls only the public names here;
`tests/authserver/test_dot_adapter.py` checks each private method's signature and behaviour, so
an upgrade that changes one fails there, naming it, instead of somewhere downstream.
"""

from django.http import HttpRequest, HttpResponse
from oauth2_provider.oauth2_backends import OAuthLibCore
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.views.dynamic_client_registration import DynamicClientRegistrationManagementView
from oauthlib.common import Request as OAuthlibRequest

# The private names used below, with the parameters each is called with (after `self`).
PRIVATE_API = {
    # Overridden below; DOT's own `client_authentication_required` calls it too.
    (OAuth2Validator, "_extract_basic_auth"): ("request",),
    (OAuth2Validator, "_load_application"): ("client_id", "request"),
    (OAuthLibCore, "_extract_params"): ("request",),
    (DynamicClientRegistrationManagementView, "_authenticate_registration_request"): ("request", "client_id"),
}


class ValidatorAdapter(OAuth2Validator):
    """DOT's validator with its client lookup public, and `Basic` read case-insensitively."""

    def _extract_basic_auth(self, request: OAuthlibRequest) -> str | None:
        # DOT matches "Basic" case-sensitively; RFC 9110 §11.1: the scheme is case-insensitive.
        scheme, _, credentials = request.headers.get("HTTP_AUTHORIZATION", "").partition(" ")
        return credentials.strip() or None if scheme.lower() == "basic" else None

    def basic_credentials(self, request: OAuthlibRequest) -> str | None:
        """The base64 `client_id:client_secret` of an `Authorization: Basic` header, else `None`."""
        return self._extract_basic_auth(request)

    def load_client(self, client_id: str, request: OAuthlibRequest):
        """The usable (active) client with this id, also set as `request.client`; `None` for no such client."""
        return self._load_application(client_id, request)


def oauthlib_params(core: OAuthLibCore, request: HttpRequest) -> tuple[str, str, str, dict]:
    """`(uri, http_method, body, headers)` of a Django request, as DOT hands them to oauthlib's endpoints."""
    return core._extract_params(request)


class RegistrationManagementAdapter(DynamicClientRegistrationManagementView):
    """DOT's RFC 7592 view with its registration access token check public."""

    def authenticate_registration(self, request: HttpRequest, client_id: str) -> object | HttpResponse:
        """The registration (`.application`, `.presented_token`) the bearer token opens, or DOT's error response.

        Returns an `HttpResponse` (401/403 in RFC 7592's shape) when the token is missing, invalid
        or for another client.
        """
        return self._authenticate_registration_request(request, client_id)
