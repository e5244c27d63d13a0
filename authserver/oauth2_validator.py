"""oauthlib request validation for the embedded server: client credentials with per-client scopes."""

import base64
import binascii
from urllib.parse import unquote_plus

from oauthlib.oauth2.rfc6749 import errors

from .client_assertions import ASSERTION_TYPE, AssertionRefused, AssertionUnverifiable, verify_client_assertion
from .conf import ISSUER_META_KEY, authserver_settings
from .credentials import check_secret
from .dot_adapter import ValidatorAdapter
from .dpop import DPOP_TOKEN_TYPE, bound_thumbprint
from .issued_tokens import active_claims, prune_revocations, revoke, verify_own_token

MULTIPLE_CREDENTIALS = (
    "Can't supply multiple client credentials: use either the Authorization header "
    "(client_secret_basic), client_id and client_secret in the body (client_secret_post), "
    "or client_assertion (private_key_jwt)."
)
KEYLESS_CLIENT = (
    "This client authenticates with private_key_jwt: send client_assertion and client_assertion_type, not a secret."
)
ASSERTION_PARAMETERS = ("client_assertion", "client_assertion_type")


def body_parameters(request, names: tuple[str, ...]) -> dict[str, list[str]]:
    """The values of `names` in the form body only: credentials never count from a query string."""
    found: dict[str, list[str]] = {}
    for name, value in request.decoded_body or []:
        if name in names:
            found.setdefault(name, []).append(value)
    return found


class ClientCredentialsValidator(ValidatorAdapter):
    """django-oauth-toolkit's validator, held to Okta's rules and taught about self-contained tokens.

    Requested scopes must all be allowed for the client (`invalid_scope` otherwise, where
    lenient servers silently drop them); no requested scope means the server's default
    scopes that the client is allowed, and `invalid_scope` when that leaves none. A client
    authenticates with exactly one method (RFC 6749 §2.3). Introspection and revocation
    verify the JWT itself and consult the revocation list and the client's status.
    """

    def client_authentication_required(self, request, *args, **kwargs) -> bool:
        if body_parameters(request, ASSERTION_PARAMETERS):
            return True
        return super().client_authentication_required(request, *args, **kwargs)

    def authenticate_client(self, request, *args, **kwargs) -> bool:
        """One method per request (RFC 6749 §2.3): an assertion, HTTP Basic, or the secret in the body."""
        assertion = body_parameters(request, ASSERTION_PARAMETERS)
        basic = self.basic_credentials(request)
        if assertion:
            if basic or getattr(request, "client_secret", None):
                raise errors.InvalidRequestError(description=MULTIPLE_CREDENTIALS, request=request)
            return self._authenticate_assertion(request, assertion)
        if basic:
            if getattr(request, "client_secret", None):
                raise errors.InvalidRequestError(description=MULTIPLE_CREDENTIALS, request=request)
            credentials = self._decode_basic(basic, request)
            if credentials is None:
                return False
            client_id, secret = credentials
            if request.client_id and request.client_id != client_id:
                raise errors.InvalidRequestError(
                    description="The client_id in the body is not the one in the Authorization header.",
                    request=request,
                )
        else:
            client_id, secret = request.client_id, getattr(request, "client_secret", None)
        return self._authenticate_secret(request, client_id, secret)

    def _decode_basic(self, credentials: str, request) -> tuple[str, str] | None:
        """RFC 6749 §2.3.1: base64 of the form-urlencoded `client_id:client_secret`."""
        try:
            decoded = base64.b64decode(credentials).decode(getattr(request, "encoding", None) or "utf-8")
        except (binascii.Error, ValueError, UnicodeDecodeError, LookupError):
            return None
        client_id, separator, secret = decoded.partition(":")
        return (unquote_plus(client_id), unquote_plus(secret)) if separator else None

    def _authenticate_secret(self, request, client_id, secret) -> bool:
        if not client_id or not secret or self.load_client(client_id, request) is None:
            return False
        if request.client.client_id != client_id:
            return False
        if request.client.uses_private_key_jwt:
            raise errors.InvalidClientError(description=KEYLESS_CLIENT, request=request)
        return check_secret(request.client, secret)

    def _authenticate_assertion(self, request, parameters: dict[str, list[str]]) -> bool:
        """RFC 7523 §2.2: `client_assertion_type` names the JWT profile, `client_assertion` is the JWT."""
        assertion_type, assertion = parameters.get("client_assertion_type", []), parameters.get("client_assertion", [])
        if len(assertion_type) != 1 or len(assertion) != 1:
            raise errors.InvalidRequestError(
                description="Send client_assertion and client_assertion_type exactly once each.", request=request
            )
        if assertion_type[0] != ASSERTION_TYPE:
            raise errors.InvalidClientError(
                description=f"client_assertion_type must be {ASSERTION_TYPE} (RFC 7523 §2.2).", request=request
            )
        issuer = request.headers[ISSUER_META_KEY]
        # The endpoint's own URL (token, introspect or revoke) in the issuer's public form.
        endpoint = f"{issuer}/v1/{request.uri.split('?', 1)[0].rstrip('/').rsplit('/', 1)[-1]}"
        try:
            client = verify_client_assertion(
                assertion=assertion[0],
                client_id_param=request.client_id,
                audiences=list(dict.fromkeys([endpoint, f"{issuer}/v1/token", issuer])),
                load_client=lambda client_id: self.load_client(client_id, request),
            )
        except AssertionRefused as exc:
            raise errors.InvalidClientError(description=exc.description, request=request) from exc
        except AssertionUnverifiable as exc:
            raise errors.TemporarilyUnavailableError(
                description=exc.description, request=request, status_code=503
            ) from exc
        request.client = client
        request.client_id = client.client_id
        return True

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
        return [scope for scope in authserver_settings.DEFAULT_SCOPES if scope in allowed]

    def save_bearer_token(self, token, request, *args, **kwargs) -> None:
        """Store nothing: the access token is a self-contained JWT (no refresh token is issued).

        django-oauth-toolkit would write one row per token, which costs a database commit
        (an fsync) on every request and holds nothing introspection needs: it verifies the
        JWT itself and keeps only revoked `jti`s.
        """
        if "scope" not in token:
            raise errors.InvalidScopeError(description="No scope could be granted.", request=request)
        if bound_thumbprint(request) is not None:
            token["token_type"] = DPOP_TOKEN_TYPE  # RFC 9449 §5: a bound token is not a bearer token

    def introspect_token(self, token, token_type_hint, request, *args, **kwargs) -> dict | None:
        """RFC 7662 §2.2: the claims of an active token; `None` (inactive) for anything else.

        Including a token the asking client may not introspect (§4): the answer then tells it
        nothing about the token, not even that it exists.
        """
        claims = active_claims(token, request.headers[ISSUER_META_KEY])
        if claims is None or not self.may_introspect(request.client, claims):
            return None
        names = ("scope", "client_id", "exp", "iat", "nbf", "sub", "aud", "iss", "jti", "cnf")
        answer = {name: claims[name] for name in names if name in claims}
        answer["client_id"] = claims.get("cid", claims.get("client_id"))
        answer["token_type"] = "Bearer"
        return answer

    @staticmethod
    def may_introspect(client, claims: dict) -> bool:
        """RFC 7662 §4: a client its own tokens; another client's only with `INTROSPECTION_SCOPE` allowed."""
        owner = claims.get("cid", claims.get("client_id"))
        return owner == client.client_id or authserver_settings.INTROSPECTION_SCOPE in client.allowed_scope_list

    def revoke_token(self, token, token_type_hint, request, *args, **kwargs) -> None:
        """RFC 7009 §2.1: revoke the client's own token; another client's or an invalid one is ignored (§2.2)."""
        claims = verify_own_token(token, request.headers[ISSUER_META_KEY])
        if claims is not None and claims.get("cid") == request.client.client_id:
            revoke(claims)
            prune_revocations()  # Revocations are rare: tidy up the expired ones here.
        # DOT's record of the token (a checksum) goes too, scoped to the same client.
        super().revoke_token(token, token_type_hint, request, *args, **kwargs)
