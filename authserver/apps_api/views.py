"""The Apps API views: create, list, get, activate, deactivate and delete service apps."""

from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from ccproject.http import no_store

from ..conf import base_url_from_request
from ..models import Client
from ..service_clients import create_service_client
from .authentication import authenticate_admin
from .errors import DeleteActiveApp, MethodNotAllowed, NotFound, OktaError, UnknownPath, ValidationFailed
from .listing import page
from .new_application import clean_application, parse_json_object
from .representation import application_json


@method_decorator(csrf_exempt, name="dispatch")  # Header-authenticated API: no cookies, no CSRF exposure.
class OktaApiView(View):
    """Base view: transport check, `SSWS` authentication, and every failure in Okta's error shape."""

    def dispatch(self, request, *args, **kwargs):
        try:
            if request.method.lower() not in self.http_method_names or not hasattr(self, request.method.lower()):
                raise MethodNotAllowed()
            request.admin_token = authenticate_admin(request)
            response = super().dispatch(request, *args, **kwargs)
        except OktaError as exc:
            response = exc.response()
        # Application objects may carry a client secret; nothing here belongs in a cache.
        return no_store(response)

    @staticmethod
    def input_error_response(error: str, description: str, status: int = 400) -> HttpResponse:
        """`ccproject.middleware.InputGuardMiddleware`'s refusal, in Okta's shape (E0000001, or 413)."""
        refusal = ValidationFailed("request", [description])
        refusal.status_code = status
        return no_store(refusal.response())

    def get_client(self, app_id: str) -> Client:
        client = Client.objects.filter(app_id=app_id).first()
        if client is None:
            raise NotFound(app_id)
        return client


class AppListView(OktaApiView):
    """`GET /api/v1/apps` (list) and `POST /api/v1/apps` (create)."""

    http_method_names = ["get", "post"]

    def get(self, request):
        base = base_url_from_request(request)
        clients, link = page(request.GET, base)
        response = JsonResponse([application_json(client, base) for client in clients], safe=False)
        response["Link"] = link
        return response

    def post(self, request):
        new = clean_application(parse_json_object(request))
        activate = request.GET.get("activate", "true").lower()
        if activate not in ("true", "false"):
            raise ValidationFailed("activate", ["activate: must be true or false."])
        client, secret = create_service_client(
            label=new.label,
            scopes=new.scopes,
            auth_method=new.auth_method,
            active=activate == "true",
            jwks=new.jwks,
            jwks_uri=new.jwks_uri,
            dpop_bound_access_tokens=new.dpop_bound_access_tokens,
        )
        # Okta answers 200 here; the secret (a secret client's) is in this response and nowhere else.
        return JsonResponse(application_json(client, base_url_from_request(request), client_secret=secret))


class AppDetailView(OktaApiView):
    """`GET /api/v1/apps/{id}` and `DELETE /api/v1/apps/{id}` (only an inactive app: E0000056 otherwise)."""

    http_method_names = ["get", "delete"]

    def get(self, request, app_id: str):
        return JsonResponse(application_json(self.get_client(app_id), base_url_from_request(request)))

    def delete(self, request, app_id: str):
        with transaction.atomic():
            client = self.get_client(app_id)
            if client.status == Client.STATUS_ACTIVE:
                raise DeleteActiveApp()
            client.delete()
        return HttpResponse(status=204)


class AppLifecycleView(OktaApiView):
    """`POST /api/v1/apps/{id}/lifecycle/{activate|deactivate}`: idempotent, answers `{}` as Okta does."""

    http_method_names = ["post"]
    status = Client.STATUS_ACTIVE

    def post(self, request, app_id: str):
        client = self.get_client(app_id)
        if client.status != self.status:
            client.status = self.status
            client.save(update_fields=["status", "updated"])
        return JsonResponse({})


def unknown_apps_api_path(request, *args, **kwargs) -> HttpResponse:
    """Any other path under `{base}/api/v1/`: Okta's E0000007 404, not Django's HTML page."""
    return no_store(UnknownPath(request.path).response())


unknown_apps_api_path.input_error_response = OktaApiView.input_error_response
