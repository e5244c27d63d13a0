"""Fixtures for the embedded authorization server."""

import base64

import pytest

from authserver.clients import create_service_client
from authserver.models import Client

SECRET = "s3cret-" + "x" * 40


@pytest.fixture
def oauth_client() -> Client:
    return create_service_client(
        label="Test Client",
        scopes=["hello:read", "clients:register"],
        client_id="test-client",
        secret=SECRET,
    )[0]


def basic(client_id: str, secret: str) -> str:
    return "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
