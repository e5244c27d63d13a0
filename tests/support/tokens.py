"""Getting an access token the way a client does: RFC 6749 §4.4, client credentials over real HTTP."""

import requests


def client_credentials_token(
    issuer: str, client_id: str, secret: str, scope: str | None = "hello:read", *, timeout: float = 10
) -> str:
    """POST `{issuer}/v1/token` with HTTP Basic client authentication (§2.3.1); the access token."""
    data = {"grant_type": "client_credentials", **({"scope": scope} if scope else {})}
    response = requests.post(f"{issuer}/v1/token", data=data, auth=(client_id, secret), timeout=timeout)
    assert response.status_code == 200, response.text
    return response.json()["access_token"]
