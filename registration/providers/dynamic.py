"""`DynamicRegistrationProvider`: clients by OAuth 2.0 Dynamic Client Registration (RFC 7591, RFC 7592)."""

from __future__ import annotations  # the `list` method shadows the builtin in annotations

from django.conf import settings

from ..exceptions import (
    ProviderAuthenticationError,
    ProviderError,
    ProviderNotFound,
    ProviderNotSupported,
    ProviderTimeout,
    ProviderUnavailable,
    ProviderValidationError,
)
from .base import ACTIVE, BaseProvider, ClientRef, CreatedClient, ProviderClient, ProviderKey
from .http import HTTPResponse, ProviderHTTP, same_origin
from .okta import okta_error


def oauth_error(response: HTTPResponse) -> str:
    """RFC 7591 §3.2.2's `{"error", "error_description"}` (or Okta's error object) as one line."""
    try:
        body = response.json()
    except ProviderError:
        body = None
    if isinstance(body, dict) and "error" in body:
        description = body.get("error_description")
        return f"{body['error']}: {description}" if description else str(body["error"])
    return okta_error(response)


class DynamicRegistrationProvider(BaseProvider):
    """Registers at an RFC 7591 registration endpoint and manages through RFC 7592.

    OPTIONS: `REGISTRATION_ENDPOINT` (default `{ORG_URL}/oauth2/v1/clients`),
    `INITIAL_ACCESS_TOKEN` (RFC 7591 §3; default the TOKEN setting, empty for open registration),
    `INITIAL_ACCESS_TOKEN_SCHEME` (`Bearer`; Okta takes `SSWS`), `TIMEOUT`, `MAX_RETRIES`,
    `MAX_RETRY_WAIT`, `TOKEN_ENDPOINT_AUTH_METHOD`. Each client's `registration_client_uri` and
    `registration_access_token` come back as its credential, which the service keeps encrypted.
    RFC 7592 defines no lifecycle and no listing, so deactivate, activate and list are not supported.
    """

    supports_lifecycle = False
    supports_list = False
    http_class = ProviderHTTP
    kind = "dynamic"

    def __init__(self, alias: str, options: dict):
        super().__init__(alias, options)
        default_endpoint = f"{str(settings.ORG_URL).rstrip('/')}/oauth2/v1/clients"
        self.endpoint = self.url = str(options.get("REGISTRATION_ENDPOINT") or default_endpoint)
        self.initial_access_token = options.get("INITIAL_ACCESS_TOKEN", settings.TOKEN)
        self.scheme = options.get("INITIAL_ACCESS_TOKEN_SCHEME", "Bearer")
        self.auth_method = options.get("TOKEN_ENDPOINT_AUTH_METHOD", "client_secret_basic")
        # Okta wants "service"; RFC 7591 has no such field and OpenID Connect Registration
        # allows only "web" or "native" (oidc-provider refuses "service"): None omits it.
        self.application_type = options.get("APPLICATION_TYPE", "service")
        self.http = self.http_class.from_options(options, kind=self.kind)

    def create(self, *, label: str, scopes: list[str], jwks: list[dict] | None = None) -> CreatedClient:
        metadata = {
            "client_name": label,
            "grant_types": ["client_credentials"],
            "response_types": [],
            "token_endpoint_auth_method": "private_key_jwt" if jwks else self.auth_method,
            "scope": " ".join(scopes),
        }
        if jwks:
            metadata["jwks"] = {"keys": list(jwks)}  # RFC 7591 §2: the client's public keys, no secret
        if self.application_type:
            metadata["application_type"] = self.application_type
        headers = {"Authorization": f"{self.scheme} {self.initial_access_token}"} if self.initial_access_token else {}
        try:
            response = self.http.request("POST", self.endpoint, headers=headers, json=metadata)
            if response.status in (200, 201):
                body = response.json("registration response")
        except ProviderError as exc:
            exc.maybe_created = isinstance(exc, ProviderTimeout | ProviderUnavailable)
            raise
        if response.status not in (200, 201):
            raise self._error(response, "registration", management=False)
        if not isinstance(body, dict) or not body.get("client_id") or not (jwks or body.get("client_secret")):
            error = ProviderUnavailable("The registration response lacks the client_id or the client_secret.")
            error.maybe_created = True
            raise error
        credential = self._credential(body)
        client = self._client(body, credential)
        return CreatedClient(**{**client.__dict__, "client_secret": "" if jwks else str(body["client_secret"])})

    def get(self, ref: ClientRef) -> ProviderClient:
        body, credential = self._configuration(ref)
        # The client carries a credential only when the read rotated it: the caller must store it.
        rotated = credential["registration_access_token"] != ref.credential["registration_access_token"]
        return self._client(body, credential if rotated else None)

    def delete(self, ref: ClientRef) -> None:
        self._manage("DELETE", self._require_credential(ref))

    # --- keys, by RFC 7592 §2.2 update: the whole registration again with another `jwks` ---
    # RFC 7592 knows no second secret and no inactive key: keys rotate by adding the new one, then
    # removing the old one; secrets cannot rotate without an outage, so that stays unsupported.

    def list_keys(self, ref: ClientRef) -> list[ProviderKey]:
        return self._keys(self._configuration(ref)[0])

    def add_key(self, ref: ClientRef, jwk: dict) -> ProviderKey:
        body, credential = self._configuration(ref)
        keys = [key.jwk for key in self._keys(body)]
        if any(key.get("kid") == jwk["kid"] for key in keys):
            raise ProviderValidationError(f"The client already has a key with kid {jwk['kid']!r}.")
        rotated = self._replace_keys(ref, body, credential, [*keys, jwk])
        return ProviderKey(id=jwk["kid"], kid=jwk["kid"], status=ACTIVE, jwk=jwk, credential=rotated)

    def delete_key(self, ref: ClientRef, key_id: str) -> dict | None:
        body, credential = self._configuration(ref)
        keys = [key.jwk for key in self._keys(body)]
        remaining = [key for key in keys if key.get("kid") != key_id]
        if len(remaining) == len(keys):
            raise ProviderNotFound(f"The client has no key with kid {key_id!r}.")
        if not remaining:
            raise ProviderValidationError("The client's last key cannot be removed: add its successor first.")
        return self._replace_keys(ref, body, credential, remaining)

    def _configuration(self, ref: ClientRef) -> tuple[dict, dict]:
        """The client's configuration (RFC 7592 §2.1) and the credential to use next: `ref.credential`
        itself, or a new one when the read rotated the registration access token (RFC 7592 §3)."""
        credential = self._require_credential(ref)
        body = self._manage("GET", credential).json("client configuration")
        if not isinstance(body, dict) or not body.get("client_id"):
            raise ProviderUnavailable("The client configuration response is not a client.")
        rotated = body.get("registration_access_token")
        if rotated and rotated != credential["registration_access_token"]:
            credential = {**credential, "registration_access_token": str(rotated)}
        return body, credential

    def _keys(self, body: dict) -> list[ProviderKey]:
        jwks = body.get("jwks")
        keys = jwks.get("keys") if isinstance(jwks, dict) else None
        if not isinstance(keys, list):
            return []
        return [
            ProviderKey(id=str(key["kid"]), kid=str(key["kid"]), status=ACTIVE, jwk=key)
            for key in keys
            if isinstance(key, dict) and key.get("kid")
        ]

    def _replace_keys(self, ref: ClientRef, body: dict, credential: dict, keys: list[dict]) -> dict:
        """PUT the registration with `keys` (RFC 7592 §2.2); returns the credential to keep from now on."""
        dropped = {"registration_access_token", "registration_client_uri", "client_secret_expires_at"}
        # A null member is no metadata value (RFC 7591 §2): servers that echo one get it left out.
        metadata = {
            name: value
            for name, value in body.items()
            if name not in dropped | {"client_id_issued_at"} and value is not None
        }
        metadata["jwks"] = {"keys": keys}
        response = self._manage("PUT", credential, json=metadata)
        answer = response.json("client configuration")
        rotated = answer.get("registration_access_token") if isinstance(answer, dict) else None
        return {**credential, "registration_access_token": str(rotated)} if rotated else credential

    # --- helpers ---

    def _credential(self, body: dict) -> dict | None:
        uri, token = body.get("registration_client_uri"), body.get("registration_access_token")
        if not (uri and token):
            return None  # the server offers no RFC 7592 management for this client
        if not same_origin(str(uri), self.endpoint):
            # The registration access token must not be sent to another host.
            raise ProviderUnavailable(
                f"The registration_client_uri of client {body['client_id']} is on another origin than "
                "the registration endpoint; remove that client at the provider by hand."
            )
        return {"registration_client_uri": str(uri), "registration_access_token": str(token)}

    def _client(self, body: dict, credential: dict | None) -> ProviderClient:
        return ProviderClient(
            client_id=str(body["client_id"]),
            reference=str(body["client_id"]),
            label=str(body.get("client_name", "")),
            status=ACTIVE,
            scopes=str(body.get("scope", "")).split(),
            credential=credential,
        )

    def _require_credential(self, ref: ClientRef) -> dict:
        credential = ref.credential or {}
        if not (credential.get("registration_client_uri") and credential.get("registration_access_token")):
            raise ProviderNotSupported(
                f"No registration access token is kept for client {ref.client_id}: the provider offered "
                "no RFC 7592 management for it."
            )
        return credential

    def _manage(self, method: str, credential: dict, **kwargs) -> HTTPResponse:
        response = self.http.request(
            method,
            credential["registration_client_uri"],
            headers={"Authorization": f"Bearer {credential['registration_access_token']}"},
            **kwargs,
        )
        if response.status >= 400:
            raise self._error(response, "client configuration", management=True)
        return response

    def _error(self, response: HTTPResponse, what: str, *, management: bool) -> ProviderError:
        reason = oauth_error(response)
        if response.status == 400:
            return ProviderValidationError(f"The provider refused the {what} request: {reason}")
        if management and response.status in (401, 404):
            # RFC 7592 §2.1: an unknown client gets 401 (its token is then revoked), never 404.
            return ProviderNotFound(f"The provider no longer knows this client or its registration token: {reason}")
        if response.status in (401, 403):
            return ProviderAuthenticationError(
                f"The registration endpoint {self.endpoint} refused the initial access token ({reason}): "
                "check TOKEN (or the provider's INITIAL_ACCESS_TOKEN option)."
            )
        return ProviderUnavailable(f"The provider answered the {what} request with HTTP {response.status}: {reason}")
