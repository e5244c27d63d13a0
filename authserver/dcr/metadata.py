"""Client metadata (RFC 7591 §2) the embedded server accepts, and what it answers (§3.2.1)."""

from dataclasses import dataclass

from ccproject.text import label_problem

from ..models import STATUS_ACTIVE, Client
from ..service_clients import (
    ClientMetadataError,
    clean_auth_method,
    clean_client_scopes,
    clean_dpop_flag,
    clean_key_source,
)

# Metadata that would need a capability this server does not have.
UNSUPPORTED = ("id_token_encrypted_response_alg", "request_object_signing_alg")


@dataclass(frozen=True)
class Metadata:
    """What this server keeps of a registration beyond django-oauth-toolkit's fields."""

    scopes: list[str]
    method: str
    jwks: list[dict] | None = None
    jwks_uri: str = ""
    dpop_bound_access_tokens: bool = False


def clean_metadata(data: dict) -> Metadata:
    """The scopes, token endpoint auth method and keys of a registration; raises `ClientMetadataError`.

    Only confidential client-credentials clients exist here, so RFC 7591's defaults
    (`authorization_code`, `code`) are refused rather than silently replaced (§3.2.1 allows either).
    """
    causes: list[str] = []
    if data.get("grant_types") != ["client_credentials"]:
        causes.append('grant_types: must be ["client_credentials"], the only grant this server supports.')
    if data.get("response_types", []) not in ([], ["token"]):
        causes.append("response_types: a client credentials client has none.")
    if data.get("redirect_uris"):
        causes.append("redirect_uris: a client credentials client has none.")
    if data.get("application_type", "service") != "service":
        causes.append('application_type: must be "service".')
    name = data.get("client_name", "")
    if not isinstance(name, str) or len(name) > 255:
        causes.append("client_name: must be a string of at most 255 characters.")
    elif problem := label_problem(name):
        causes.append(f"client_name: {problem}")
    causes += [f"{field}: not supported by this server." for field in UNSUPPORTED if field in data]
    scopes, method, jwks, jwks_uri, dpop_bound = [], "", None, "", False
    try:
        dpop_bound = clean_dpop_flag(data.get("dpop_bound_access_tokens"))
    except ClientMetadataError as exc:
        causes += exc.causes
    try:
        scopes = clean_client_scopes(data.get("scope"), "scope")
    except ClientMetadataError as exc:
        causes += exc.causes
    try:
        method = clean_auth_method(data.get("token_endpoint_auth_method"))
        jwks, jwks_uri = clean_key_source(method, data.get("jwks"), data.get("jwks_uri"))
    except ClientMetadataError as exc:
        causes += exc.causes
    if causes:
        raise ClientMetadataError(causes)
    return Metadata(scopes=scopes, method=method, jwks=jwks, jwks_uri=jwks_uri, dpop_bound_access_tokens=dpop_bound)


def registration_json(client: Client, dot_response: dict) -> dict:
    """django-oauth-toolkit's answer completed with the metadata it leaves out or gets wrong here."""
    body = dict(dot_response)
    body.update(
        {
            "client_id_issued_at": int(client.created.timestamp()),
            "grant_types": ["client_credentials"],
            "token_endpoint_auth_method": client.token_endpoint_auth_method,
            "scope": client.allowed_scopes,
            "application_type": "service",
            "dpop_bound_access_tokens": client.dpop_bound_access_tokens,
        }
    )
    if client.uses_private_key_jwt:
        body.pop("client_secret", None)  # a private_key_jwt client has no secret (RFC 7591 §2)
        if client.jwks_uri:
            body["jwks_uri"] = client.jwks_uri
        else:
            body["jwks"] = {"keys": [key.jwk for key in client.keys.filter(status=STATUS_ACTIVE)]}
    if "client_secret" in body:
        # §3.2.1: REQUIRED with a secret; 0 means it does not expire.
        body["client_secret_expires_at"] = 0
    return body
