"""The Okta Apps API request body that creates a client-credentials service app."""


def service_app_body(label: str, scopes: list[str] | None = None) -> dict:
    """`POST /api/v1/apps` for an OAuth service app; `scopes` become the embedded server's `profile.scopes`."""
    body = {
        "name": "oidc_client",
        "label": label,
        "signOnMode": "OPENID_CONNECT",
        "credentials": {"oauthClient": {}},
        "settings": {"oauthClient": {"grant_types": ["client_credentials"], "application_type": "service"}},
    }
    if scopes is not None:
        body["profile"] = {"scopes": list(scopes)}
    return body
