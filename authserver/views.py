"""The embedded server's OAuth endpoints in Okta's URL layout: token, introspect, revoke, keys, discovery."""

from django.http import Http404, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_post_parameters
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import RevokeTokenView as DOTRevokeTokenView
from oauth2_provider.views import TokenView as DOTTokenView
from oauth2_provider.views.mixins import OAuthLibMixin

from ccproject.http import error_response, no_store

from .conf import ISSUER_META_KEY, authserver_settings, base_url_from_request, issuer_from_request
from .dot_adapter import oauthlib_params
from .dpop import bind_token_request
from .keys import published_jwks
from .request_rules import FormRequestRules, TokenRequestRules
from .responses import JsonErrorsMixin, finalize
from .transport import transport_is_acceptable

AUTH_METHODS = ["client_secret_basic", "client_secret_post", "private_key_jwt"]


class AuthorizationServerMixin(JsonErrorsMixin):
    """Resolves `{base}/oauth2/{server_id}` to an issuer, for the allowed server ids only."""

    def issuer(self, request, server_id: str) -> str:
        if server_id not in authserver_settings.SERVER_IDS:
            raise Http404("No such authorization server.")
        return issuer_from_request(request, server_id)


class OAuthEndpointMixin(AuthorizationServerMixin):
    """Token, introspection and revocation: TLS or loopback, the request rules, the issuer for oauthlib, `finalize`.

    `request_rules` is checked before django-oauth-toolkit sees the request; extend its
    `repeatable` (or, for the token endpoint, `grant_types`) for a new parameter or grant.
    """

    request_rules: FormRequestRules = FormRequestRules()

    @staticmethod
    def input_error_response(error: str, description: str, status: int = 400) -> HttpResponse:
        """The input guard's refusal (`ccproject.middleware`), always RFC 6749 §5.2's `invalid_request`."""
        return finalize(error_response("invalid_request", description, status), realm="")

    def post(self, request, *args, server_id: str, **kwargs):
        issuer = self.issuer(request, server_id)
        if not transport_is_acceptable(request):
            response = error_response(
                "invalid_request", "HTTPS is required: credentials must not cross a network in clear."
            )
        elif refusal := self.request_rules.refusal(request):
            response = error_response(refusal.error, refusal.description, refusal.status)
        else:
            # Read by the token generator and the validator; DOT copies META into oauthlib's headers.
            request.META[ISSUER_META_KEY] = issuer
            response = self.before_grant(request, issuer) or super().post(request, *args, **kwargs)
        return finalize(response, realm=issuer)

    def before_grant(self, request, issuer: str) -> HttpResponse | None:
        """A response that answers the request before oauthlib sees it, or None to go on."""
        return None


class TokenView(OAuthEndpointMixin, DOTTokenView):
    """`POST {issuer}/v1/token` (RFC 6749 §4.4): oauthlib runs the grant, tokens are JWTs.

    DOT's version looks the issued token up in its table to send `app_authorized`; tokens
    are not stored here (see `ClientCredentialsValidator.save_bearer_token`), so no signal.
    Only the grant types of `request_rules` reach DOT (its device code branch never runs).
    """

    # RFC 8707 §2: a client may name several resources, each in its own `resource` parameter.
    request_rules = TokenRequestRules(repeatable=frozenset({"resource"}))

    def before_grant(self, request, issuer: str) -> HttpResponse | None:
        """A DPoP proof (RFC 9449 §5) binds the token to come; a bad one is refused here."""
        return bind_token_request(request, token_endpoint=f"{issuer}/v1/token")

    @method_decorator(sensitive_post_parameters("client_secret"))
    def authorization_flow_token_response(self, request, *args, **kwargs) -> HttpResponse:
        _url, headers, body, status = self.create_token_response(request)
        response = HttpResponse(content=body, status=status)
        for name, value in headers.items():
            response[name] = value
        return response


class RevokeView(OAuthEndpointMixin, DOTRevokeTokenView):
    """`POST {issuer}/v1/revoke` (RFC 7009): 200 for the client's own token, an unknown or another's alike."""


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectionEndpoint(OAuthLibMixin, View):
    """oauthlib's RFC 7662 endpoint: it authenticates the client; the validator judges the token."""

    def post(self, request, *args, **kwargs) -> HttpResponse:
        core = self.get_oauthlib_core()
        uri, method, body, headers = oauthlib_params(core, request)
        headers, body, status = core.server.create_introspect_response(uri, method, body, headers)
        response = HttpResponse(body, status=status, content_type="application/json")
        for name, value in headers.items():
            response[name] = value
        return response


class IntrospectView(OAuthEndpointMixin, IntrospectionEndpoint):
    """`POST {issuer}/v1/introspect` (RFC 7662) for any authenticated, active client of this server.

    The JWT is verified (signature, issuer, audience, expiry) and then its `jti` is looked
    up among revocations and its client's status is checked: introspection is the one
    place where a revoked token or a deactivated client's token shows as inactive at once.
    """


@method_decorator(csrf_exempt, name="dispatch")  # It changes nothing; a form POST gets the same error.
class AuthorizeView(AuthorizationServerMixin, View):
    """`{issuer}/v1/authorize`, where Okta has it: no response type is supported, so every request is refused.

    No client here has a redirect URI, so the error is shown rather than redirected (RFC 6749
    §4.1.2.1). Published because clients that read RFC 8414 metadata (the MCP SDKs among them)
    insist on an `authorization_endpoint` even for the client credentials grant.
    """

    def get(self, request, server_id: str):
        self.issuer(request, server_id)
        return no_store(
            error_response(
                "unsupported_response_type",
                "This server issues tokens by the client credentials grant only: POST to its token endpoint.",
            )
        )

    post = get


class KeysView(AuthorizationServerMixin, View):
    """`GET {issuer}/v1/keys`: the public signing keys, cacheable for `JWKS_MAX_AGE` seconds."""

    def get(self, request, server_id: str):
        self.issuer(request, server_id)
        response = JsonResponse(published_jwks())
        response["Cache-Control"] = f"max-age={int(authserver_settings.JWKS_MAX_AGE)}"
        return response


class MetadataView(AuthorizationServerMixin, View):
    """RFC 8414 authorization server metadata, also served as OpenID Connect discovery: only what is supported."""

    def get(self, request, server_id: str = "default"):
        issuer = self.issuer(request, server_id)
        metadata = {
            "issuer": issuer,
            "authorization_endpoint": f"{issuer}/v1/authorize",
            "token_endpoint": f"{issuer}/v1/token",
            "jwks_uri": f"{issuer}/v1/keys",
            "introspection_endpoint": f"{issuer}/v1/introspect",
            "revocation_endpoint": f"{issuer}/v1/revoke",
            "grant_types_supported": ["client_credentials"],
            # No authorization endpoint: no response type is supported (RFC 8414 §2 still wants the member).
            "response_types_supported": [],
            "token_endpoint_auth_methods_supported": AUTH_METHODS,
            "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
            "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
            # RFC 8414 §2: the algorithms a private_key_jwt assertion may be signed with.
            **{
                f"{endpoint}_endpoint_auth_signing_alg_values_supported": list(
                    authserver_settings.CLIENT_ASSERTION_ALGORITHMS
                )
                for endpoint in ("token", "introspection", "revocation")
            },
            "scopes_supported": sorted(authserver_settings.SCOPES),
            "claims_supported": [
                "ver",
                "jti",
                "iss",
                "aud",
                "iat",
                "exp",
                "cid",
                "scp",
                "sub",
                "client_id",
                "scope",
                "cnf",
            ],
            # RFC 9449 §5.1: a proof in a token request makes the token DPoP-bound.
            "dpop_signing_alg_values_supported": list(authserver_settings.DPOP_ALGORITHMS),
        }
        if oauth2_settings.DCR_ENABLED:
            metadata["registration_endpoint"] = f"{base_url_from_request(request)}/oauth2/v1/clients"
        response = JsonResponse(metadata)
        response["Cache-Control"] = f"max-age={int(authserver_settings.JWKS_MAX_AGE)}"
        return response
