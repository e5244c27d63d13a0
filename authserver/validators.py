"""oauthlib request validation for the embedded server: client credentials with per-client scopes."""

from oauth2_provider.oauth2_validators import OAuth2Validator
from oauthlib.oauth2.rfc6749 import errors

from .conf import ISSUER_META_KEY, authserver_setting
from .verification import active_claims, prune_revocations, revoke, verify_own_token

MULTIPLE_CREDENTIALS = (
    "Can't supply multiple client credentials: use either the Authorization header "
    "(client_secret_basic) or client_id and client_secret in the body (client_secret_post)."
)


class ClientCredentialsValidator(OAuth2Validator):
    """django-oauth-toolkit's validator, held to Okta's rules and taught about self-contained tokens.

    Requested scopes must all be allowed for the client (`invalid_scope` otherwise, where
    lenient servers silently drop them); no requested scope means the server's default
    scopes that the client is allowed, and `invalid_scope` when that leaves none. A client
    authenticates with exactly one method (RFC 6749 §2.3). Introspection and revocation
    verify the JWT itself and consult the revocation list and the client's status.
    """

    def _extract_basic_auth(self, request):
        # RFC 9110 §11.1: the scheme is case-insensitive ("basic" is as good as "Basic").
        scheme, _, credentials = request.headers.get("HTTP_AUTHORIZATION", "").partition(" ")
        return credentials.strip() or None if scheme.lower() == "basic" else None

    def authenticate_client(self, request, *args, **kwargs) -> bool:
        if self._extract_basic_auth(request):
            if getattr(request, "client_secret", None):
                raise errors.InvalidRequestError(description=MULTIPLE_CREDENTIALS, request=request)
            body_client_id = request.client_id
            authenticated = self._authenticate_basic_auth(request)
            if authenticated and body_client_id and body_client_id != request.client.client_id:
                raise errors.InvalidRequestError(
                    description="The client_id in the body is not the one in the Authorization header.",
                    request=request,
                )
            return authenticated
        return self._authenticate_request_body(request)

    def validate_scopes(self, client_id, scopes, client, request, *args, **kwargs) -> bool:
        if not scopes:
            raise errors.InvalidScopeError(
                description="No scope was requested and the client has no default scope.", request=request
            )
        refused = sorted(set(scopes) - set(client.allowed_scope_list))
        if refused:
            raise errors.InvalidScopeError(
                description=f"The client may not request: {' '.join(refused)}.", request=request
            )
        return True

    def get_default_scopes(self, client_id, request, *args, **kwargs) -> list[str]:
        allowed = request.client.allowed_scope_list if request.client else []
        return [scope for scope in authserver_setting("DEFAULT_SCOPES") if scope in allowed]

    def save_bearer_token(self, token, request, *args, **kwargs) -> None:
        """Store nothing: the access token is a self-contained JWT (no refresh token is issued).

        django-oauth-toolkit would write one row per token, which costs a database commit
        (an fsync) on every request and holds nothing introspection needs: it verifies the
        JWT itself and keeps only revoked `jti`s.
        """
        if "scope" not in token:
            raise errors.InvalidScopeError(description="No scope could be granted.", request=request)

    def introspect_token(self, token, token_type_hint, request, *args, **kwargs) -> dict | None:
        """RFC 7662 §2.2: the claims of an active token; `None` (inactive) for anything else."""
        claims = active_claims(token, request.headers[ISSUER_META_KEY])
        if claims is None:
            return None
        names = ("scope", "client_id", "exp", "iat", "nbf", "sub", "aud", "iss", "jti")
        answer = {name: claims[name] for name in names if name in claims}
        answer["client_id"] = claims.get("cid", claims.get("client_id"))
        answer["token_type"] = "Bearer"
        return answer

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs) -> None:
        """RFC 7009 §2.1: revoke the client's own token; another client's or an invalid one is ignored (§2.2)."""
        claims = verify_own_token(token, request.headers[ISSUER_META_KEY])
        if claims is not None and claims.get("cid") == request.client.client_id:
            revoke(claims)
            prune_revocations()  # Revocations are rare: tidy up the expired ones here.
        # DOT's record of the token (a checksum) goes too, scoped to the same client.
        super().revoke_token(token, token_type_hint, request, *args, **kwargs)
