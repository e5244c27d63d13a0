"""Fixtures for dynamic client registration: an initial access token (an admin API token)."""

import pytest

from authserver.models import AdminApiToken


@pytest.fixture
def initial_token() -> str:
    return AdminApiToken.issue("registration")[1]
