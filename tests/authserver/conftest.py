"""Fixtures for the embedded authorization server."""

import base64

import pytest

from authserver.models import Client
from authserver.service_clients import create_service_client
from tests.support.assertions import rsa_private_key
from tests.support.form_client import FormClient

SECRET = "s3cret-" + "x" * 40


@pytest.fixture
def client() -> FormClient:
    """Posts dicts form-urlencoded, as OAuth clients and browsers do (never multipart)."""
    return FormClient()


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


@pytest.fixture(scope="session")
def key():
    """A client's private key for `private_key_jwt` (its public half is registered as `key-1`)."""
    return rsa_private_key()


@pytest.fixture(scope="session")
def second_key():
    """The key a client rotates to."""
    return rsa_private_key()
