"""The registration endpoint (RFC 7591) and client configuration endpoint (RFC 7592).

django-oauth-toolkit runs both (client creation, the registration access token kept only as
a SHA-256 checksum, its rotation on update, deletion). These subclasses add what it lacks
here: an initial access token, this server's metadata rules (client credentials only, the
`scope` metadata, the chosen auth method), the §3.2.1 fields it omits, and `no-store`.
"""

import json

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider.views.dynamic_client_registration import DynamicClientRegistrationView

from ccproject.http import error_response, no_store
from ccproject.json_body import JSONBodyError, json_object_body

from ..credentials import check_secret, replace_keys, set_initial_secret
from ..dot_adapter import RegistrationManagementAdapter
from ..models import Client
from ..responses import JsonErrorsMixin
from ..service_clients import ClientMetadataError
from ..transport import transport_is_acceptable
from .metadata import Metadata, clean_metadata, registration_json
from .permissions import initial_access_denial


def _parse(request) -> dict | JsonResponse:
    """The JSON object body, or the `invalid_client_metadata` response."""
    try:
        return json_object_body(request)
    except JSONBodyError as exc:
        return error_response("invalid_client_metadata", str(exc))


def _validated(request) -> Metadata | JsonResponse:
    """This server's metadata; django-oauth-toolkit then sees only what it knows (RFC 7591 §2 secret methods)."""
    data = _parse(request)
    if isinstance(data, JsonResponse):
        return data
    try:
        metadata = clean_metadata(data)
    except ClientMetadataError as exc:
        return error_response("invalid_client_metadata", " ".join(exc.causes))
    for name in ("jwks", "jwks_uri", "token_endpoint_auth_method", "dpop_bound_access_tokens"):
        data.pop(name, None)
    request._body = json.dumps(data).encode()
    return metadata


def _completed(response: HttpResponse, metadata: Metadata | None = None, *, granted: bool = False) -> HttpResponse:
    """Apply this server's metadata to the client DOT wrote, and answer with the full registration.

    A new client's secret moves into its `ClientSecret` row (a `private_key_jwt` client has none);
    an update replaces the keys. `granted`: the scopes are what the initial access token grants,
    the ceiling of the client's own updates.
    """
    if response.status_code not in (200, 201):
        return response
    body = json.loads(response.content)
    client = Client.objects.get(client_id=body["client_id"])
    if metadata is not None:
        client.allowed_scopes, client.token_endpoint_auth_method = " ".join(metadata.scopes), metadata.method
        client.jwks_uri = metadata.jwks_uri
        client.dpop_bound_access_tokens = metadata.dpop_bound_access_tokens
        fields = ["allowed_scopes", "token_endpoint_auth_method", "jwks_uri", "dpop_bound_access_tokens", "updated"]
        if granted:
            client.scope_ceiling = client.allowed_scopes
            fields.append("scope_ceiling")
        if "client_secret" in body:
            client.client_secret = make_password(None)  # secrets are checked against ClientSecret rows only
            fields.append("client_secret")
            if not client.uses_private_key_jwt:
                set_initial_secret(client, body["client_secret"])
        client.save(update_fields=fields)
        replace_keys(client, metadata.jwks or [])
    return JsonResponse(registration_json(client, body), status=response.status_code)


class ClientRegistrationView(JsonErrorsMixin, DynamicClientRegistrationView):
    """`POST {base}/oauth2/v1/clients`: 201 with the client, its secret and its registration access token."""

    def post(self, request, *args, **kwargs):
        denial = initial_access_denial(request)
        if denial:
            return no_store(denial)
        metadata = _validated(request)
        if isinstance(metadata, JsonResponse):
            return no_store(metadata)
        with transaction.atomic():
            response = _completed(super().post(request, *args, **kwargs), metadata, granted=True)
        return no_store(response)


# Overriding dispatch drops the parent's csrf_exempt; restore it: callers authenticate by a
# bearer registration access token, never by cookies, so CSRF cannot apply (and would block them).
@method_decorator(csrf_exempt, name="dispatch")
class ClientConfigurationView(JsonErrorsMixin, RegistrationManagementAdapter):
    """`GET/PUT/DELETE {registration_client_uri}` with `Authorization: Bearer <registration_access_token>`."""

    def dispatch(self, request, *args, **kwargs):
        if not transport_is_acceptable(request):
            return no_store(error_response("invalid_request", "HTTPS is required."))
        return no_store(super().dispatch(request, *args, **kwargs))

    def get(self, request, client_id: str, *args, **kwargs):
        return _completed(super().get(request, client_id, *args, **kwargs))

    def put(self, request, client_id: str, *args, **kwargs):
        auth = self.authenticate_registration(request, client_id)
        if isinstance(auth, HttpResponse):
            return auth
        metadata = _validated(request)
        if isinstance(metadata, JsonResponse):
            return metadata
        data = json.loads(request.body)
        client = auth.application
        # RFC 7592 §2.2: the body names the client it replaces, and a secret, if sent, must be the current one.
        if data.get("client_id", client_id) != client_id:
            return error_response("invalid_client_metadata", "client_id does not match the registration.")
        if "client_secret" in data and not check_secret(client, str(data["client_secret"])):
            return error_response("invalid_client_metadata", "client_secret is not this client's secret.")
        # RFC 7591 §2 server policy: the registration access token may narrow the scopes the
        # initial access token granted, never widen them (no token of its own for clients:manage).
        beyond = [scope for scope in metadata.scopes if scope not in client.scope_ceiling_list]
        if beyond:
            return error_response(
                "invalid_client_metadata",
                f"scope: {' '.join(beyond)} was not granted to this client at registration; ask an administrator.",
            )
        if metadata.method != client.token_endpoint_auth_method and Client.PRIVATE_KEY_JWT in (
            metadata.method,
            client.token_endpoint_auth_method,
        ):
            return error_response(
                "invalid_client_metadata",
                "token_endpoint_auth_method cannot change between a secret and private_key_jwt: register a new client.",
            )
        with transaction.atomic():
            return _completed(super().put(request, client_id, *args, **kwargs), metadata)
