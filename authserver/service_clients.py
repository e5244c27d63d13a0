"""Creating the embedded server's service clients, shared by the Apps API, registration and the admin."""

import secrets

from django.contrib.auth.hashers import make_password
from django.db import transaction

from ccproject.scopes import ScopeError, clean_scopes

from .client_jwks_uri import is_fetchable_uri
from .conf import authserver_settings
from .credentials import CredentialError, clean_jwks, set_initial_secret
from .models import Client, ClientKey, new_app_id

AUTH_METHODS = ("client_secret_basic", "client_secret_post", "private_key_jwt")


class ClientMetadataError(ValueError):
    """Client metadata that cannot be accepted; `causes` are client-facing, one per problem."""

    def __init__(self, causes: list[str]):
        super().__init__("; ".join(causes))
        self.causes = causes


def generate_client_secret() -> str:
    """64 URL-safe characters, 384 random bits: enough that one fast hash protects it at rest."""
    return secrets.token_urlsafe(48)


def clean_client_scopes(scopes, field: str = "scopes") -> list[str]:
    """Scopes by the project's rule (`ccproject.scopes`), each one this server defines.

    `None` means the server's default scopes. Raises `ClientMetadataError` otherwise.
    """
    if scopes is None:
        return list(authserver_settings.DEFAULT_SCOPES)
    try:
        scopes = clean_scopes(scopes, field=field)
    except ScopeError as exc:
        raise ClientMetadataError([str(exc)]) from exc
    known = authserver_settings.SCOPES
    unknown = [scope for scope in scopes if scope not in known]
    if unknown:
        raise ClientMetadataError([f"{field}: unknown scope {scope!r}." for scope in unknown])
    return scopes


def clean_auth_method(method, field: str = "token_endpoint_auth_method") -> str:
    if method is None:
        return AUTH_METHODS[0]
    if method not in AUTH_METHODS:
        raise ClientMetadataError([f"{field}: must be one of {', '.join(AUTH_METHODS)}."])
    return method


def clean_key_source(method: str, jwks, jwks_uri, prefix: str = "") -> tuple[list[dict] | None, str]:
    """A `private_key_jwt` client's keys: inline `jwks` or a `jwks_uri`, exactly one (RFC 7591 §2).

    A secret client may have neither. Raises `ClientMetadataError`; a private key is refused
    without being echoed.
    """
    if method != Client.PRIVATE_KEY_JWT:
        if jwks is not None or jwks_uri:
            raise ClientMetadataError([f"{prefix}jwks: only a private_key_jwt client has keys."])
        return None, ""
    if (jwks is None) == (not jwks_uri):
        raise ClientMetadataError(
            [f"{prefix}jwks: a private_key_jwt client needs its public keys in jwks, or a jwks_uri (not both)."]
        )
    if jwks_uri:
        if not isinstance(jwks_uri, str) or len(jwks_uri) > 2000 or not is_fetchable_uri(jwks_uri):
            raise ClientMetadataError([f"{prefix}jwks_uri: must be an https URL (http on loopback or under DEBUG)."])
        return None, jwks_uri
    try:
        return clean_jwks(jwks, f"{prefix}jwks"), ""
    except CredentialError as exc:
        raise ClientMetadataError([f"{prefix}jwks: {cause}" for cause in exc.causes]) from exc


def create_service_client(
    *,
    label: str,
    scopes: list[str],
    auth_method: str = "client_secret_basic",
    active: bool = True,
    registration_source: str = Client.RegistrationSource.MANUAL,
    client_id: str | None = None,
    secret: str | None = None,
    jwks: list[dict] | None = None,
    jwks_uri: str = "",
    dpop_bound_access_tokens: bool = False,
) -> tuple[Client, str | None]:
    """Create a confidential client-credentials client; returns it and its secret, which is kept only hashed.

    As at Okta, the client id is the application id unless one is given (bootstrap recreates the
    client that `.env` names); the secret is generated unless given. A `private_key_jwt` client
    gets no secret (`None`): its cleaned public `jwks`, or its `jwks_uri`, authenticate it.
    With `dpop_bound_access_tokens` every token request must carry a DPoP proof (RFC 9449 §5.2).
    """
    app_id = new_app_id()
    keyless = auth_method == Client.PRIVATE_KEY_JWT
    with transaction.atomic():
        client = Client.objects.create(
            name=label,
            app_id=app_id,
            client_id=client_id or app_id,
            # django-oauth-toolkit's own secret field never holds a usable secret: `ClientSecret` rows do.
            client_secret=make_password(None),
            client_type=Client.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Client.GRANT_CLIENT_CREDENTIALS,
            allowed_scopes=" ".join(scopes),
            scope_ceiling=" ".join(scopes),
            token_endpoint_auth_method=auth_method,
            jwks_uri=jwks_uri if keyless else "",
            status=Client.STATUS_ACTIVE if active else Client.STATUS_INACTIVE,
            registration_source=registration_source,
            dpop_bound_access_tokens=dpop_bound_access_tokens,
        )
        if keyless:
            ClientKey.objects.bulk_create([ClientKey(client=client, kid=jwk["kid"], jwk=jwk) for jwk in jwks or []])
            return client, None
        secret = secret or generate_client_secret()
        set_initial_secret(client, secret)
    return client, secret


def clean_dpop_flag(value, field: str = "dpop_bound_access_tokens") -> bool:
    """RFC 9449 §5.2 `dpop_bound_access_tokens`: a boolean, false when absent; raises `ClientMetadataError`."""
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ClientMetadataError([f"{field}: must be true or false."])
    return value
