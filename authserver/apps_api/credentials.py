"""Okta's credentials API: an app's client secrets and public keys under `/api/v1/apps/{appId}/credentials/`.

Secrets: list, create (generated, or supplied), get, delete (inactive only), activate,
deactivate (not the last active one); at most two. Keys: list, add, get, delete (inactive
only), activate, deactivate (not a `private_key_jwt` app's last active one); at most fifty.
A secret is shown once, in the answer that created it.
"""

from collections.abc import Callable

from django.http import HttpResponse, JsonResponse

from ..conf import base_url_from_request
from ..credentials import (
    CredentialError,
    add_key,
    add_secret,
    clean_public_jwk,
    clean_secret_value,
    delete_key,
    delete_secret,
    set_key_status,
    set_secret_status,
)
from ..models import STATUS_ACTIVE, STATUS_INACTIVE, ClientKey, ClientSecret
from ..service_clients import generate_client_secret
from .errors import NotFound, ValidationFailed
from .new_application import parse_json_object
from .representation import key_json, secret_json
from .views import OktaApiView

STATUSES = (STATUS_ACTIVE, STATUS_INACTIVE)


def _status(body: dict) -> str:
    status = body.get("status", STATUS_ACTIVE)
    if status not in STATUSES:
        raise ValidationFailed("status", ["status: must be ACTIVE or INACTIVE."])
    return status


def _refused(exc: CredentialError) -> ValidationFailed:
    return ValidationFailed(exc.subject, exc.causes)


class SecretListView(OktaApiView):
    """`GET` (list) and `POST` (create) `/api/v1/apps/{appId}/credentials/secrets`."""

    http_method_names = ["get", "post"]

    def get(self, request, app_id: str):
        client, base = self.get_client(app_id), base_url_from_request(request)
        return JsonResponse([secret_json(secret, base) for secret in client.secrets.all()], safe=False)

    def post(self, request, app_id: str):
        client = self.get_client(app_id)
        body = parse_json_object(request) if request.body else {}
        status = _status(body)
        try:
            supplied = body.get("client_secret")
            secret = clean_secret_value(supplied) if supplied is not None else generate_client_secret()
            row = add_secret(client, secret, status)
        except CredentialError as exc:
            raise _refused(exc) from exc
        return JsonResponse(secret_json(row, base_url_from_request(request), client_secret=secret), status=201)


class CredentialView(OktaApiView):
    """`GET` and `DELETE` one credential of an app, a secret or a key; only an inactive one is deleted.

    A subclass names the credential: its `model`, the URL argument that is also its id field
    (`lookup`), Okta's name for its type in a 404 (`okta_type`), its JSON (`as_json`), and the
    `authserver.credentials` functions that delete it (`remove`) and set its status (`set_status`).
    """

    http_method_names = ["get", "delete"]
    model: type[ClientSecret] | type[ClientKey]
    lookup: str
    okta_type: str
    as_json: Callable[..., dict]
    remove: Callable[..., None]
    set_status: Callable[..., ClientSecret | ClientKey]

    def get_credential(self, app_id: str, credential_id: str) -> ClientSecret | ClientKey:
        found = self.model.objects.filter(client=self.get_client(app_id), **{self.lookup: credential_id}).first()
        if found is None:
            raise NotFound(credential_id, self.okta_type)
        return found

    def get(self, request, app_id: str, **ids):
        return JsonResponse(self.as_json(self.get_credential(app_id, ids[self.lookup]), base_url_from_request(request)))

    def delete(self, request, app_id: str, **ids):
        try:
            self.remove(self.get_credential(app_id, ids[self.lookup]))
        except CredentialError as exc:
            raise _refused(exc) from exc
        return HttpResponse(status=204)


class CredentialLifecycleView(CredentialView):
    """`POST .../{credential}/lifecycle/{activate|deactivate}`: idempotent, answers the credential."""

    http_method_names = ["post"]
    status = STATUS_ACTIVE

    def post(self, request, app_id: str, **ids):
        try:
            credential = self.set_status(self.get_credential(app_id, ids[self.lookup]), self.status)
        except CredentialError as exc:
            raise _refused(exc) from exc
        return JsonResponse(self.as_json(credential, base_url_from_request(request)))


class SecretView(CredentialView):
    """`GET` and `DELETE` `/api/v1/apps/{appId}/credentials/secrets/{secretId}`."""

    model, lookup, okta_type = ClientSecret, "secret_id", "OAuth2ClientSecret"
    as_json = staticmethod(secret_json)
    remove = staticmethod(delete_secret)
    set_status = staticmethod(set_secret_status)


class SecretLifecycleView(CredentialLifecycleView, SecretView):
    """`POST .../secrets/{secretId}/lifecycle/{activate|deactivate}`."""


class KeyListView(OktaApiView):
    """`GET` (list) and `POST` (add) `/api/v1/apps/{appId}/credentials/jwks`."""

    http_method_names = ["get", "post"]

    def get(self, request, app_id: str):
        client, base = self.get_client(app_id), base_url_from_request(request)
        return JsonResponse([key_json(key, base) for key in client.keys.all()], safe=False)

    def post(self, request, app_id: str):
        client = self.get_client(app_id)
        body = parse_json_object(request)
        status = _status(body)
        # `id`, `status` and the timestamps are the server's; the rest is the JWK.
        jwk = {name: value for name, value in body.items() if name not in ("id", "status", "created", "lastUpdated")}
        try:
            key = add_key(client, clean_public_jwk(jwk), status)
        except CredentialError as exc:
            raise _refused(exc) from exc
        return JsonResponse(key_json(key, base_url_from_request(request)), status=201)


class KeyView(CredentialView):
    """`GET` and `DELETE` `/api/v1/apps/{appId}/credentials/jwks/{keyId}`."""

    model, lookup, okta_type = ClientKey, "key_id", "JsonWebKey"
    as_json = staticmethod(key_json)
    remove = staticmethod(delete_key)
    set_status = staticmethod(set_key_status)


class KeyLifecycleView(CredentialLifecycleView, KeyView):
    """`POST .../jwks/{keyId}/lifecycle/{activate|deactivate}`."""
