"""OAuth 2.0 Protected Resource Metadata (RFC 9728): what a client needs to get a token for this API."""

import json
from collections.abc import Iterator
from types import SimpleNamespace
from urllib.parse import urlsplit, urlunsplit

from django.http import HttpRequest, JsonResponse
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from oauth2_provider.views import OAuthProtectedResourceMetadataView
from rest_framework.views import APIView

from ccproject.http import error_response

from . import dpop
from .authentication import OAuthClientCredentialsAuthentication
from .conf import api_settings
from .issuers import trusted_issuers
from .permissions import view_scopes
from .resource import metadata_url, resource_identifier, resource_path

# Metadata changes with a deployment, not per request; clients may keep it this long (seconds).
MAX_AGE = 3600


def api_views(patterns=None) -> Iterator[APIView]:
    """An instance of every DRF view the URL map routes to (viewsets with their actions)."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from api_views(pattern.url_patterns)
        elif isinstance(pattern, URLPattern):
            cls = getattr(pattern.callback, "cls", None)
            if isinstance(cls, type) and issubclass(cls, APIView):
                view = cls(**getattr(pattern.callback, "initkwargs", {}))
                actions = getattr(pattern.callback, "actions", None)
                if actions:
                    view.action_map = actions
                yield view


def takes_tokens(view: APIView) -> bool:
    """Whether one of the view's authenticators is this API's token authentication."""
    return any(isinstance(auth, OAuthClientCredentialsAuthentication) for auth in view.get_authenticators())


def declared_scopes() -> list[str]:
    """Every scope a routed view requires for one of its methods: a new view shows up by itself."""
    scopes: set[str] = set()
    for view in api_views():
        methods = getattr(view, "action_map", None) or {m: m for m in view.allowed_methods}
        for method in methods:
            # `TokenHasScope.get_scopes` reads only the method of the request.
            scopes |= view_scopes(SimpleNamespace(method=method.upper()), view)
    return sorted(scopes)


def documentation_url() -> str:
    """`RESOURCE_DOCUMENTATION`, else this API's Swagger UI at the origin of `RESOURCE`."""
    if api_settings.RESOURCE_DOCUMENTATION:
        return api_settings.RESOURCE_DOCUMENTATION
    parts = urlsplit(resource_identifier())
    return urlunsplit((parts.scheme, parts.netloc, reverse("swagger-ui"), "", ""))


class ProtectedResourceMetadataView(OAuthProtectedResourceMetadataView):
    """`GET /.well-known/oauth-protected-resource[/{path}]` (RFC 9728 §3): public, cacheable JSON.

    django-oauth-toolkit's view with this API's answers: the resource from settings (never the
    request's host), every trusted issuer, the scopes the views require. The path-aware form
    (§3.1) answers for the path of `RESOURCE` only; any other path is 404.
    """

    def get_resource(self, request: HttpRequest) -> str:
        return resource_identifier()

    def get_authorization_servers(self, request: HttpRequest) -> list[str]:
        return list(trusted_issuers())

    def get_scopes_supported(self) -> list[str]:
        return declared_scopes()

    def get_bearer_methods_supported(self) -> list[str]:
        # RFC 6750 §2.1 only: a token in a form body or the query is refused (§2.2, §2.3).
        return ["header"]

    def get_resource_name(self) -> str:
        return api_settings.RESOURCE_NAME

    def get_resource_documentation(self) -> str:
        return documentation_url()

    def get_dpop_metadata(self) -> dict:
        """RFC 9728 §2's DPoP members, from the `dpop` policy of every view that takes tokens.

        None when no view takes DPoP; `dpop_bound_access_tokens_required` only when every one requires it.
        """
        policies = {dpop.view_policy(view) for view in api_views() if takes_tokens(view)}
        if not policies - {dpop.DISABLED}:
            return {}
        return {
            "dpop_signing_alg_values_supported": list(api_settings.DPOP_ALGORITHMS),
            "dpop_bound_access_tokens_required": policies == {dpop.REQUIRED},
        }

    def http_method_not_allowed(self, request: HttpRequest, *args, **kwargs) -> JsonResponse:
        response = error_response("method_not_allowed", "The metadata is read with GET.", status=405)
        response["Allow"] = ", ".join(self._allowed_methods())
        return response

    def get(self, request: HttpRequest, *args, resource_path_suffix: str = "", **kwargs) -> JsonResponse:
        if resource_path_suffix.strip("/") != resource_path():
            # §3.3: the document of another identifier would be refused by the client anyway.
            return error_response("not_found", f"No protected resource here; see {metadata_url()}.", status=404)
        response = super().get(request, *args, **kwargs)
        extra = self.get_dpop_metadata()
        if extra:
            # django-oauth-toolkit's document has no DPoP members (nor a hook for more): add them.
            response.content = json.dumps({**json.loads(response.content), **extra}).encode()
        response["Cache-Control"] = f"public, max-age={MAX_AGE}"
        return response
