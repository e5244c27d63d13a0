"""Fixtures of the interop tests: panva's oidc-provider on a loopback port, once per session."""

import secrets
from dataclasses import dataclass, field

import pytest
import requests

from .node import NodeProcess, node_executable

TIMEOUT = 10
OIDC_AUDIENCE = "api://default"
OTHER_RESOURCE = "urn:interop:other"
OPAQUE_RESOURCE = "urn:interop:opaque"
HELLO_SCOPE = "hello:read"
OTHER_SCOPE = "other:read"  # a scope the API does not accept for `GET /`


@dataclass
class OIDCProvider:
    """A running oidc-provider: its issuer, metadata, pre-registered client and admin routes."""

    issuer: str
    client_id: str
    client_secret: str = field(repr=False)
    admin_token: str = field(repr=False)
    metadata: dict = field(default_factory=dict)

    @property
    def registration_endpoint(self) -> str:
        return self.metadata["registration_endpoint"]

    def token_response(
        self,
        *,
        client_id: str | None = None,
        client_secret: str | None = None,
        scope: str = HELLO_SCOPE,
        resource: str | None = None,
    ) -> requests.Response:
        """RFC 6749 §4.4 at the token endpoint discovery names (not Okta's `/v1/token`)."""
        data = {"grant_type": "client_credentials", "scope": scope}
        if resource:
            data["resource"] = resource  # RFC 8707 §2
        return requests.post(
            self.metadata["token_endpoint"],
            data=data,
            auth=(client_id or self.client_id, client_secret or self.client_secret),
            timeout=TIMEOUT,
        )

    def token(self, **kwargs) -> str:
        response = self.token_response(**kwargs)
        assert response.status_code == 200, response.text
        return response.json()["access_token"]

    def admin(self, action: str) -> dict:
        """Rotate (`rotate`: a new signing key in front) or retire (`retire`: only the signer kept)."""
        response = requests.post(
            f"{self.issuer}/__admin/{action}",
            headers={"Authorization": f"Bearer {self.admin_token}"},
            timeout=TIMEOUT,
        )
        assert response.status_code == 200, response.text
        return response.json()

    def jwks(self) -> dict:
        return requests.get(self.metadata["jwks_uri"], timeout=TIMEOUT).json()


def start_oidc_provider(*, audience: str = OIDC_AUDIENCE) -> tuple[NodeProcess, OIDCProvider]:
    client_secret = secrets.token_urlsafe(32)
    admin_token = secrets.token_urlsafe(32)
    process = NodeProcess(
        "oidc_server.mjs",
        "--port",
        "0",
        "--audience",
        audience,
        "--resource",
        audience,
        "--client-id",
        "interop-client",
        "--scope",
        f"{HELLO_SCOPE} {OTHER_SCOPE}",
        env={"INTEROP_CLIENT_SECRET": client_secret, "INTEROP_ADMIN_TOKEN": admin_token},
    )
    ready = process.start()
    try:
        # Readiness is the discovery document, not just the listening socket.
        response = requests.get(f"{ready['issuer']}/.well-known/openid-configuration", timeout=TIMEOUT)
        response.raise_for_status()
    except BaseException:
        process.stop()
        raise
    server = OIDCProvider(
        issuer=ready["issuer"],
        client_id="interop-client",
        client_secret=client_secret,
        admin_token=admin_token,
        metadata=response.json(),
    )
    return process, server


@pytest.fixture(scope="session")
def oidc_provider():
    """One oidc-provider for the whole session, stopped at the end whatever happened."""
    node_executable()  # skip, or fail under CI, before anything starts
    process, server = start_oidc_provider()
    try:
        yield server
    finally:
        process.stop()


@pytest.fixture
def trust_oidc_provider(settings, oidc_provider) -> OIDCProvider:
    """ccproject's resource server trusting oidc-provider (ISSUER, AUDIENCE; keys by discovery)."""
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": oidc_provider.issuer, "AUDIENCE": OIDC_AUDIENCE}
    return oidc_provider
