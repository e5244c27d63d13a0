"""Fixtures for the embedded authorization server."""

import base64

import pytest

from authserver.models import Client

SECRET = "s3cret-" + "x" * 40


@pytest.fixture
def oauth_client() -> Client:
    return Client.objects.create(
        name="Test Client",
        client_id="test-client",
        client_secret=SECRET,
        client_type=Client.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Client.GRANT_CLIENT_CREDENTIALS,
        allowed_scopes="hello:read clients:register",
    )


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
