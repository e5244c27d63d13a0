"""Okta's credentials API: an app's client secrets and public keys under `/api/v1/apps/{appId}/credentials/`.

Secrets: list, create (generated, or supplied), get, delete (inactive only), activate,
deactivate (not the last active one); at most two. Keys: list, add, get, delete (inactive
only), activate, deactivate (not a `private_key_jwt` app's last active one); at most fifty.
A secret is shown once, in the answer that created it.
"""

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


class SecretView(OktaApiView):
    """`GET` and `DELETE` `/api/v1/apps/{appId}/credentials/secrets/{secretId}`; only an inactive one is deleted."""

    http_method_names = ["get", "delete"]

    def get_secret(self, app_id: str, secret_id: str) -> ClientSecret:
        secret = ClientSecret.objects.filter(client=self.get_client(app_id), secret_id=secret_id).first()
        if secret is None:
            raise NotFound(secret_id, "OAuth2ClientSecret")
        return secret

    def get(self, request, app_id: str, secret_id: str):
        return JsonResponse(secret_json(self.get_secret(app_id, secret_id), base_url_from_request(request)))

    def delete(self, request, app_id: str, secret_id: str):
        try:
            delete_secret(self.get_secret(app_id, secret_id))
        except CredentialError as exc:
            raise _refused(exc) from exc
        return HttpResponse(status=204)


class SecretLifecycleView(SecretView):
    """`POST .../secrets/{secretId}/lifecycle/{activate|deactivate}`: idempotent, answers the secret."""

    http_method_names = ["post"]
    status = STATUS_ACTIVE

    def post(self, request, app_id: str, secret_id: str):
        try:
            secret = set_secret_status(self.get_secret(app_id, secret_id), self.status)
        except CredentialError as exc:
            raise _refused(exc) from exc
        return JsonResponse(secret_json(secret, base_url_from_request(request)))


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


class KeyView(OktaApiView):
    """`GET` and `DELETE` `/api/v1/apps/{appId}/credentials/jwks/{keyId}`; only an inactive key is deleted."""

    http_method_names = ["get", "delete"]

    def get_key(self, app_id: str, key_id: str) -> ClientKey:
        key = ClientKey.objects.filter(client=self.get_client(app_id), key_id=key_id).first()
        if key is None:
            raise NotFound(key_id, "JsonWebKey")
        return key

    def get(self, request, app_id: str, key_id: str):
        return JsonResponse(key_json(self.get_key(app_id, key_id), base_url_from_request(request)))

    def delete(self, request, app_id: str, key_id: str):
        try:
            delete_key(self.get_key(app_id, key_id))
        except CredentialError as exc:
            raise _refused(exc) from exc
        return HttpResponse(status=204)


class KeyLifecycleView(KeyView):
    """`POST .../jwks/{keyId}/lifecycle/{activate|deactivate}`: idempotent, answers the key."""

    http_method_names = ["post"]
    status = STATUS_ACTIVE

    def post(self, request, app_id: str, key_id: str):
        try:
            key = set_key_status(self.get_key(app_id, key_id), self.status)
        except CredentialError as exc:
            raise _refused(exc) from exc
        return JsonResponse(key_json(key, base_url_from_request(request)))
