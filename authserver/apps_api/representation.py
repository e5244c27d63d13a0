"""Okta's `Application` object for a service (`OPENID_CONNECT`, client credentials) app."""

from datetime import datetime

from ..conf import authserver_setting
from ..keys import current_signing_key
from ..models import Client

APP_NAME = "oidc_client"
SIGN_ON_MODE = "OPENID_CONNECT"


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
        "orn": f"orn:okta:idp:{authserver_setting('ORG_ID')}:apps:{APP_NAME}:{client.app_id}",
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
                "dpop_bound_access_tokens": False,
            },
        },
        # Our extension, documented in docs/embedded-server.md: the scopes the client may request.
        "profile": {"scopes": client.allowed_scope_list},
        "_links": _links(client, base),
    }
