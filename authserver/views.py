"""The embedded server's OAuth endpoints in Okta's URL layout: token, keys and discovery."""

from django.http import Http404, JsonResponse
from django.views import View
from oauth2_provider.views import TokenView as DOTTokenView

from .conf import ISSUER_META_KEY, authserver_setting, issuer_from_request
from .keys import published_jwks


class AuthorizationServerMixin:
    """Resolves `{base}/oauth2/{server_id}` to an issuer, for the allowed server ids only."""

    def issuer(self, request, server_id: str) -> str:
        if server_id not in authserver_setting("SERVER_IDS"):
            raise Http404("No such authorization server.")
        return issuer_from_request(request, server_id)


class TokenView(AuthorizationServerMixin, DOTTokenView):
    """`POST {issuer}/v1/token` (RFC 6749 §4.4): oauthlib runs the grant, tokens are JWTs."""

    def post(self, request, *args, server_id: str, **kwargs):
        request.META[ISSUER_META_KEY] = self.issuer(request, server_id)
        response = super().post(request, *args, **kwargs)
        # RFC 6749 §5.1: token responses must never be cached, errors included.
        response["Cache-Control"] = "no-store"
        response["Pragma"] = "no-cache"
        return response


class KeysView(AuthorizationServerMixin, View):
    """`GET {issuer}/v1/keys`: the public signing keys, cacheable for `JWKS_MAX_AGE` seconds."""

    def get(self, request, server_id: str):
        self.issuer(request, server_id)
        response = JsonResponse(published_jwks())
        response["Cache-Control"] = f"max-age={int(authserver_setting('JWKS_MAX_AGE'))}"
        return response


class MetadataView(AuthorizationServerMixin, View):
    """RFC 8414 authorization server metadata, also served as OpenID Connect discovery."""

    def get(self, request, server_id: str = "default"):
        issuer = self.issuer(request, server_id)
        metadata = {
            "issuer": issuer,
            "token_endpoint": f"{issuer}/v1/token",
            "jwks_uri": f"{issuer}/v1/keys",
            "grant_types_supported": ["client_credentials"],
            "response_types_supported": ["token"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "scopes_supported": sorted(authserver_setting("SCOPES")),
        }
        response = JsonResponse(metadata)
        response["Cache-Control"] = f"max-age={int(authserver_setting('JWKS_MAX_AGE'))}"
        return response
