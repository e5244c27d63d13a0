"""Okta's `Application` object for a service (`OPENID_CONNECT`, client credentials) app."""

from datetime import datetime

from ..conf import authserver_settings
from ..keys import current_signing_key
from ..models import STATUS_ACTIVE, Client

APP_NAME = "oidc_client"
SIGN_ON_MODE = "OPENID_CONNECT"


def _key_source(client: Client) -> dict:
    """`settings.oauthClient.jwks` (the active public keys) or `jwks_uri`, for a `private_key_jwt` app."""
    if not client.uses_private_key_jwt:
        return {}
    if client.jwks_uri:
        return {"jwks_uri": client.jwks_uri}
    return {"jwks": {"keys": [key.jwk for key in client.keys.filter(status=STATUS_ACTIVE)]}}


def okta_timestamp(moment: datetime) -> str:
    """Okta's timestamps: UTC, milliseconds, `Z` (`2023-01-21T14:11:24.000Z`)."""
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _links(client: Client, base: str) -> dict:
    href = f"{base}/api/v1/apps/{client.app_id}"
    lifecycle = "deactivate" if client.status == Client.STATUS_ACTIVE else "activate"
    return {
        "self": {"href": href},
        "appLinks": [
            {"name": f"{APP_NAME}_link", "href": f"{base}/home/{APP_NAME}/{client.app_id}", "type": "text/html"}
        ],
        "groups": {"href": f"{href}/groups"},
        "users": {"href": f"{href}/users"},
        "logo": [],
        lifecycle: {"href": f"{href}/lifecycle/{lifecycle}", "hints": {"allow": ["POST"]}},
    }


def _hal_links(href: str, status: str) -> dict:
    """A secret's or key's lifecycle links: an active one can be deactivated, an inactive one activated or deleted."""
    if status == STATUS_ACTIVE:
        return {"deactivate": {"href": f"{href}/lifecycle/deactivate", "hints": {"allow": ["POST"]}}}
    return {
        "activate": {"href": f"{href}/lifecycle/activate", "hints": {"allow": ["POST"]}},
        "delete": {"href": href, "hints": {"allow": ["DELETE"]}},
    }


def secret_json(secret, base: str, client_secret: str | None = None) -> dict:
    """Okta's `OAuth2ClientSecret`; `client_secret` only when just created (it is kept hashed)."""
    href = f"{base}/api/v1/apps/{secret.client.app_id}/credentials/secrets/{secret.secret_id}"
    body = {
        "id": secret.secret_id,
        "status": secret.status,
        "secret_hash": secret.secret_hash,
        "created": okta_timestamp(secret.created),
        "lastUpdated": okta_timestamp(secret.updated),
        "_links": _hal_links(href, secret.status),
    }
    if client_secret is not None:
        body["client_secret"] = client_secret
    return body


def key_json(key, base: str) -> dict:
    """Okta's `OAuth2ClientJsonSigningKeyResponse`: the public JWK with its id, status and links."""
    href = f"{base}/api/v1/apps/{key.client.app_id}/credentials/jwks/{key.key_id}"
    return {
        "id": key.key_id,
        **key.jwk,
        "status": key.status,
        "created": okta_timestamp(key.created),
        "lastUpdated": okta_timestamp(key.updated),
        "_links": _hal_links(href, key.status),
    }


def application_json(client: Client, base: str, client_secret: str | None = None) -> dict:
    """The Application object; `client_secret` appears only when given (at creation: it is kept hashed)."""
    signing_key = current_signing_key()
    oauth_client = {
        "autoKeyRotation": True,
        "client_id": client.client_id,
        "token_endpoint_auth_method": client.token_endpoint_auth_method,
        "pkce_required": False,
    }
    if client_secret is not None:
        oauth_client["client_secret"] = client_secret
    return {
        "id": client.app_id,
        "orn": f"orn:okta:idp:{authserver_settings.ORG_ID}:apps:{APP_NAME}:{client.app_id}",
        "name": APP_NAME,
        "label": client.name,
        "status": client.status,
        "created": okta_timestamp(client.created),
        "lastUpdated": okta_timestamp(client.updated),
        "accessibility": {"selfService": False, "errorRedirectUrl": None, "loginRedirectUrl": None},
        "visibility": {
            "autoLaunch": False,
            "autoSubmitToolbar": False,
            "hide": {"iOS": True, "web": True},
            "appLinks": {f"{APP_NAME}_link": True},
        },
        "features": [],
        "signOnMode": SIGN_ON_MODE,
        "credentials": {
            "userNameTemplate": {"template": "${source.login}", "type": "BUILT_IN"},
            "signing": {"kid": signing_key.kid} if signing_key else {},
            "oauthClient": oauth_client,
        },
        "settings": {
            "app": {},
            "notifications": {"vpn": {"network": {"connection": "DISABLED"}, "message": None, "helpUrl": None}},
            "manualProvisioning": False,
            "implicitAssignment": False,
            "notes": {"admin": None, "enduser": None},
            "oauthClient": {
                "client_uri": None,
                "logo_uri": None,
                "redirect_uris": [],
                "response_types": ["token"],
                "grant_types": ["client_credentials"],
                "application_type": "service",
                "issuer_mode": "DYNAMIC",
                "wildcard_redirect": "DISABLED",
                "dpop_bound_access_tokens": client.dpop_bound_access_tokens,
                **_key_source(client),
            },
        },
        # Our extension, documented in docs/embedded-server.md: the scopes the client may request.
        "profile": {"scopes": client.allowed_scope_list},
        "_links": _links(client, base),
    }
