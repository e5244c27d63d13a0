"""Creating the embedded server's service clients, shared by the Apps API, registration and the admin."""

import secrets

from .conf import authserver_setting
from .models import Client, new_app_id

AUTH_METHODS = ("client_secret_basic", "client_secret_post")


class ClientMetadataError(ValueError):
    """Client metadata that cannot be accepted; `causes` are client-facing, one per problem."""

    def __init__(self, causes: list[str]):
        super().__init__("; ".join(causes))
        self.causes = causes


def generate_client_secret() -> str:
    """64 URL-safe characters, 384 random bits: enough that one fast hash protects it at rest."""
    return secrets.token_urlsafe(48)


def clean_scopes(scopes, field: str = "scopes") -> list[str]:
    """Scopes as a list (an array or a space-delimited string), each one the server defines.

    `None` means the server's default scopes. Raises `ClientMetadataError` otherwise.
    """
    if scopes is None:
        return list(authserver_setting("DEFAULT_SCOPES"))
    if isinstance(scopes, str):
        scopes = scopes.split()
    if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
        raise ClientMetadataError([f"{field}: must be an array of scope names."])
    known = authserver_setting("SCOPES")
    unknown = [scope for scope in scopes if scope not in known]
    if unknown:
        raise ClientMetadataError([f"{field}: unknown scope {scope!r}." for scope in unknown])
    if not scopes:
        raise ClientMetadataError([f"{field}: at least one scope is required."])
    return list(dict.fromkeys(scopes))


def clean_auth_method(method, field: str = "token_endpoint_auth_method") -> str:
    if method is None:
        return AUTH_METHODS[0]
    if method not in AUTH_METHODS:
        raise ClientMetadataError([f"{field}: must be one of {', '.join(AUTH_METHODS)}."])
    return method


def create_service_client(
    *,
    label: str,
    scopes: list[str],
    auth_method: str = "client_secret_basic",
    active: bool = True,
    registration_source: str = Client.RegistrationSource.MANUAL,
    client_id: str | None = None,
    secret: str | None = None,
) -> tuple[Client, str]:
    """Create a confidential client-credentials client; returns it and its secret, which is kept only hashed.

    As at Okta, the client id is the application id unless one is given (bootstrap recreates the
    client that `.env` names); the secret is generated unless given.
    """
    app_id = new_app_id()
    secret = secret or generate_client_secret()
    client = Client.objects.create(
        name=label,
        app_id=app_id,
        client_id=client_id or app_id,
        client_secret=secret,
        client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_CLIENT_CREDENTIALS,
        allowed_scopes=" ".join(scopes),
        token_endpoint_auth_method=auth_method,
        status=Client.STATUS_ACTIVE if active else Client.STATUS_INACTIVE,
        registration_source=registration_source,
    )
    return client, secret
