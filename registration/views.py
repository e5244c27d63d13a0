"""The registration API: `POST /register/` and `/clients/` (list, detail, deactivate, activate, delete)."""

import re

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.authentication import SessionAuthentication
from rest_framework.decorators import action
from rest_framework.generics import GenericAPIView
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response

from api.authentication import OAuthClientCredentialsAuthentication
from api.conf import api_settings
from api.exceptions import InsufficientScope
from api.principal import ValidatedToken
from ccproject.http import no_store

from .api_errors import to_api_exception
from .audit import Actor
from .conf import registration_settings, token_url
from .credentials import (
    add_client_key,
    create_client_secret,
    delete_client_secret,
    list_client_keys,
    list_client_secrets,
    retire_client_key,
    set_client_key_status,
    set_client_secret_status,
)
from .exceptions import InvalidRegistration, RegistrationError
from .models import RegisteredClient
from .permissions import IsStaffOrTokenHasScope, requester
from .serializers import (
    KeySerializer,
    NewSecretSerializer,
    PublicKeySerializer,
    RegisteredClientSerializer,
    RegistrationSerializer,
    SecretSerializer,
    key_data,
    secret_data,
)
from .services import (
    activate_client,
    clean_label,
    deactivate_client,
    delete_client,
    register_client,
    registrable_scopes,
)
from .throttling import RegistrationThrottle

MAX_IDEMPOTENCY_KEY_LENGTH = 255
# RFC 8941 §3.3.3 sf-string: printable ASCII in double quotes, `"` and `\` escaped by a backslash.
SF_STRING = re.compile(r'"((?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\["\\])*)"')
SECRET_ID = OpenApiParameter("secret_id", str, OpenApiParameter.PATH, description="The provider's secret id.")
KEY_ID = OpenApiParameter("key_id", str, OpenApiParameter.PATH, description="The provider's key id.")
CHANGE = OpenApiParameter("change", str, OpenApiParameter.PATH, enum=["activate", "deactivate"])


class RegistrationAPIMixin:
    """Bearer tokens first (so a 401 challenges with `Bearer`), then staff sessions with CSRF."""

    authentication_classes = [OAuthClientCredentialsAuthentication, SessionAuthentication]
    permission_classes = [IsStaffOrTokenHasScope]


def idempotency_key(request: Request) -> str | None:
    """The `Idempotency-Key` header (draft-ietf-httpapi-idempotency-key-header: one sf-string).

    Also taken bare (unquoted). A header sent twice reaches Django joined by a comma (RFC 9110
    §5.3): two keys are not one, so a comma outside quotes, or a second quoted string, is refused.
    """
    value = request.headers.get("Idempotency-Key")
    if value is None:
        return None
    value = value.strip()
    if value.startswith('"'):
        quoted = SF_STRING.fullmatch(value)
        if quoted is None:
            raise to_api_exception(
                InvalidRegistration("Send one Idempotency-Key header holding one quoted string (RFC 8941 §3.3.3).")
            )
        value = re.sub(r"\\(.)", r"\1", quoted.group(1))
    elif "," in value or '"' in value:
        raise to_api_exception(
            InvalidRegistration("Send one Idempotency-Key header: a repeated header (joined by a comma) is refused.")
        )
    if not value or len(value) > MAX_IDEMPOTENCY_KEY_LENGTH or not value.isprintable():
        raise to_api_exception(InvalidRegistration("Idempotency-Key must be 1 to 255 printable characters."))
    return value


class RegisterView(RegistrationAPIMixin, GenericAPIView):
    """Register an API client at the identity provider.

    POST `{"label": ..., "scopes": [...]}` → 201 with `client_id`, `client_secret` (shown only
    here), `label`, `scopes` and `request_token_url`. Send `Idempotency-Key` to retry safely.
    """

    serializer_class = RegistrationSerializer
    throttle_classes = [RegistrationThrottle]

    def get_required_scopes(self) -> list[str]:
        return [registration_settings.REGISTER_SCOPE]

    def get(self, request: Request) -> Response:
        # GET never creates anything: a crawler or a prefetching browser must not register a client.
        return Response(
            {
                "description": "POST a label and scopes here to register an API client.",
                "request_token_url": token_url(),
            }
        )

    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            # Malformed input is a 400 before whether the caller may grant the scopes (a 403) is asked.
            label = clean_label(serializer.validated_data["label"])
            scopes = registrable_scopes(serializer.validated_data["scopes"])
        except RegistrationError as exc:
            raise to_api_exception(exc) from exc
        self.check_grantable(request, scopes)
        user, creator = requester(request)
        try:
            registration = register_client(
                label=label,
                scopes=scopes,
                created_by=user,
                creator=creator,
                idempotency_key=idempotency_key(request),
                jwks=serializer.validated_data.get("jwks"),
                actor=Actor.from_request(request),
            )
        except RegistrationError as exc:
            raise to_api_exception(exc) from exc
        response = Response(registration.as_response(), status=status.HTTP_201_CREATED)
        if registration.replayed:
            response["Idempotent-Replayed"] = "true"
        return response

    def check_grantable(self, request: Request, scopes: list[str]) -> None:
        """A bearer caller grants only scopes its own token carries: no escalation, and no registrar
        beyond itself. Staff (a session) may grant any scope the provider knows."""
        if not isinstance(request.auth, ValidatedToken):
            return
        missing = set(scopes) - request.auth.scopes
        if missing:
            raise InsufficientScope(
                "A client can grant only scopes its own access token carries.",
                realm=api_settings.REALM,
                extra={"scope": " ".join(sorted(missing))},
            )

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        # The body carries a client secret: no cache may keep it (RFC 9111 §5.2.2.5).
        return no_store(response)


class ClientPagination(PageNumberPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 500


class ClientViewSet(RegistrationAPIMixin, mixins.DestroyModelMixin, viewsets.ReadOnlyModelViewSet):
    """Registered clients: list (`?status=`), detail, deactivate, activate and delete at the provider."""

    queryset = RegisteredClient.objects.all()
    serializer_class = RegisteredClientSerializer
    lookup_field = "client_id"
    lookup_value_regex = "[^/]+"
    pagination_class = ClientPagination

    def get_required_scopes(self) -> list[str]:
        return [registration_settings.MANAGE_SCOPE]

    def get_queryset(self):
        queryset = super().get_queryset()
        wanted = self.request.query_params.get("status")
        return queryset.filter(status=wanted) if wanted else queryset

    def _change(self, service, request: Request) -> Response:
        client = self.get_object()
        try:
            client = service(client=client, actor=Actor.from_request(request))
        except RegistrationError as exc:
            raise to_api_exception(exc) from exc
        return Response(self.get_serializer(client).data)

    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, client_id: str) -> Response:
        """Deactivate the client at the provider: it gets no new tokens."""
        return self._change(deactivate_client, request)

    @action(detail=True, methods=["post"])
    def activate(self, request: Request, client_id: str) -> Response:
        """Activate the client at the provider again."""
        return self._change(activate_client, request)

    def destroy(self, request: Request, client_id: str) -> Response:
        """Delete the client at the provider; the record stays, marked deleted."""
        self._change(delete_client, request)
        return Response(status=status.HTTP_204_NO_CONTENT)

    # -- credentials: rotate a secret or a key without downtime --------------------------------

    def _credentials(self, operation, **kwargs):
        try:
            return operation(client=self.get_object(), **kwargs)
        except RegistrationError as exc:
            raise to_api_exception(exc) from exc

    def _credential_change(self, operation, **kwargs):
        """A change to a secret or key, recorded with who asked (`registration.audit`)."""
        return self._credentials(operation, actor=Actor.from_request(self.request), **kwargs)

    @extend_schema(methods=["GET"], operation_id="clients_secrets_list", responses=SecretSerializer(many=True))
    @extend_schema(methods=["POST"], operation_id="clients_secrets_create", request=None, responses=NewSecretSerializer)
    @action(detail=True, methods=["get", "post"], serializer_class=SecretSerializer)
    def secrets(self, request: Request, client_id: str) -> Response:
        """GET: the client's secrets (never their values). POST: a second secret, shown once (`no-store`)."""
        if request.method == "GET":
            return Response([secret_data(s) for s in self._credentials(list_client_secrets)])
        new = self._credential_change(create_client_secret)
        return no_store(Response(new.as_response(), status=status.HTTP_201_CREATED))

    @extend_schema(operation_id="clients_secrets_lifecycle", request=None, parameters=[SECRET_ID, CHANGE])
    @action(
        detail=True,
        methods=["post"],
        serializer_class=SecretSerializer,
        url_path=r"secrets/(?P<secret_id>[^/.]+)/(?P<change>activate|deactivate)",
    )
    def secret_lifecycle(self, request: Request, client_id: str, secret_id: str, change: str) -> Response:
        """Activate or deactivate one secret (the provider keeps the last active one)."""
        secret = self._credential_change(set_client_secret_status, secret_id=secret_id, active=change == "activate")
        return Response(secret_data(secret))

    @extend_schema(operation_id="clients_secrets_destroy", parameters=[SECRET_ID], responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"secrets/(?P<secret_id>[^/.]+)")
    def secret(self, request: Request, client_id: str, secret_id: str) -> Response:
        """Delete an inactive secret."""
        self._credential_change(delete_client_secret, secret_id=secret_id)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(methods=["GET"], operation_id="clients_keys_list", responses=KeySerializer(many=True))
    @extend_schema(methods=["POST"], operation_id="clients_keys_create", responses={201: KeySerializer})
    @action(detail=True, methods=["get", "post"], serializer_class=PublicKeySerializer)
    def keys(self, request: Request, client_id: str) -> Response:
        """GET: the client's public keys. POST `{"jwk": {...}}`: add a public key (a private one is refused)."""
        if request.method == "GET":
            return Response([key_data(key) for key in self._credentials(list_client_keys)])
        serializer = PublicKeySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        key = self._credential_change(add_client_key, jwk=serializer.validated_data["jwk"])
        return Response(key_data(key), status=status.HTTP_201_CREATED)

    @extend_schema(operation_id="clients_keys_lifecycle", request=None, parameters=[KEY_ID, CHANGE])
    @action(
        detail=True,
        methods=["post"],
        serializer_class=KeySerializer,
        url_path=r"keys/(?P<key_id>[^/]+)/(?P<change>activate|deactivate)",
    )
    def key_lifecycle(self, request: Request, client_id: str, key_id: str, change: str) -> Response:
        """Activate or deactivate one key (where the provider has inactive keys)."""
        key = self._credential_change(set_client_key_status, key_id=key_id, active=change == "activate")
        return Response(key_data(key))

    @extend_schema(operation_id="clients_keys_destroy", parameters=[KEY_ID], responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"keys/(?P<key_id>[^/]+)")
    def key(self, request: Request, client_id: str, key_id: str) -> Response:
        """Retire a key: deactivated (where the provider has inactive keys), then deleted."""
        self._credential_change(retire_client_key, key_id=key_id)
        return Response(status=status.HTTP_204_NO_CONTENT)
