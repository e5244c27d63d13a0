"""The peers' ways of protecting the same hello view, for the throughput benchmark only.

- `PyJWKClientAuthentication`: PyJWT's documented recipe, `PyJWKClient` + `jwt.decode`.
- `IntrospectionAuthentication`: RFC 7662, asking the issuer about every token.
Both hand the view a token with `scopes`, so the project's `TokenHasScope` runs as for ours.
"""

import os
import threading

import jwt
import requests
from rest_framework.authentication import BaseAuthentication
from rest_framework.exceptions import AuthenticationFailed
from rest_framework.permissions import AllowAny

from api.conf import api_settings
from api.principal import ClientPrincipal, ValidatedToken
from api.validation import client_id_of, scopes_of
from api.views import HelloView


def bearer(request) -> str | None:
    scheme, _, token = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def authenticated(claims: dict, issuer: str) -> tuple[ClientPrincipal, ValidatedToken]:
    client_id = client_id_of(claims) or ""
    token = ValidatedToken(claims=claims, client_id=client_id, scopes=scopes_of(claims), issuer=issuer)
    return token.principal, token


class PyJWKClientAuthentication(BaseAuthentication):
    """PyJWT's recipe: a process-wide `PyJWKClient` (it caches the JWKS and keys), then `jwt.decode`."""

    _clients: dict[str, jwt.PyJWKClient] = {}

    def jwk_client(self) -> jwt.PyJWKClient:
        uri = api_settings.JWKS_URI or f"{api_settings.ISSUER}/v1/keys"
        if uri not in self._clients:
            self._clients[uri] = jwt.PyJWKClient(uri, cache_keys=True)
        return self._clients[uri]

    def authenticate(self, request):
        token = bearer(request)
        if token is None:
            return None
        try:
            key = self.jwk_client().get_signing_key_from_jwt(token)
            claims = jwt.decode(
                token,
                key.key,
                algorithms=["RS256"],
                audience=api_settings.AUDIENCE,
                issuer=api_settings.ISSUER,
                options={"require": ["exp", "iss", "aud"]},
            )
        except (jwt.InvalidTokenError, jwt.PyJWKClientError) as exc:
            raise AuthenticationFailed("invalid token") from exc
        return authenticated(claims, api_settings.ISSUER)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class IntrospectionAuthentication(BaseAuthentication):
    """RFC 7662 §2: POST every token to the issuer's introspection endpoint (one keep-alive session per thread)."""

    _local = threading.local()

    def session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            session = requests.Session()
            session.auth = (os.environ["BENCH_INTROSPECTION_CLIENT_ID"], os.environ["BENCH_INTROSPECTION_SECRET"])
            self._local.session = session
        return self._local.session

    def authenticate(self, request):
        token = bearer(request)
        if token is None:
            return None
        response = self.session().post(
            os.environ["BENCH_INTROSPECTION_URL"], data={"token": token, "token_type_hint": "access_token"}, timeout=5
        )
        response.raise_for_status()
        answer = response.json()
        if not answer.get("active"):
            raise AuthenticationFailed("inactive token")
        return authenticated(answer, api_settings.ISSUER)

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


class OpenHelloView(HelloView):
    """The baseline: the same DRF view, no authentication."""

    authentication_classes = []
    permission_classes = [AllowAny]


class PyJWKHelloView(HelloView):
    authentication_classes = [PyJWKClientAuthentication]


class IntrospectionHelloView(HelloView):
    authentication_classes = [IntrospectionAuthentication]
