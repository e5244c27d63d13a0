"""The official MCP Python SDK's client-credentials provider finds its way to `GET /` by itself.

Given only the API's URL and a client id and secret, it must get from a 401 to "Hello World!" by
the standards alone: the challenge's `resource_metadata` (RFC 9728 §5.1), the resource's
metadata, the issuer's metadata (RFC 8414), a token asked for with `resource` (RFC 8707), then
the call. Once against the embedded issuer (with the credentials `bootstrap` writes), once
against panva's oidc-provider with its resource indicators feature.
"""

import asyncio
import warnings
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
from django.core.management import call_command

from .conftest import HELLO_SCOPE, TIMEOUT, start_oidc_provider
from .node import interop_required

pytestmark = [pytest.mark.interop, pytest.mark.e2e]

METADATA_PATH = "/.well-known/oauth-protected-resource"


def mcp_sdk():
    """The SDK's modules; skips without the package, or fails when interop is required (CI)."""
    try:
        import httpx2
        from mcp.client.auth.extensions.client_credentials import ClientCredentialsOAuthProvider
    except ImportError as exc:
        reason = f"the MCP Python SDK is not installed ({exc}): pip install -r requirements-dev.txt"
        if interop_required():
            pytest.fail(f"{reason} (required here: CI=true or INTEROP_REQUIRED=1)", pytrace=False)
        pytest.skip(reason)
    return httpx2, ClientCredentialsOAuthProvider


class MemoryStorage:
    """The SDK's `TokenStorage` protocol, in memory: a fresh client knows nothing."""

    def __init__(self):
        self.tokens = None
        self.client_info = None

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens) -> None:
        self.tokens = tokens

    async def get_client_info(self):
        return self.client_info

    async def set_client_info(self, client_info) -> None:
        self.client_info = client_info


def call_with_sdk(api_url: str, client_id: str, client_secret: str) -> tuple[object, list, MemoryStorage]:
    """`GET api_url` through the SDK's provider: the response, every exchange on the wire, the storage."""
    httpx2, provider_class = mcp_sdk()
    exchanges: list = []

    async def record(response) -> None:
        await response.aread()
        exchanges.append((response.request, response))

    async def run():
        storage = MemoryStorage()
        with warnings.catch_warnings():
            # Deprecated only in favour of also naming the issuer; the point here is that it need not be named.
            warnings.filterwarnings("ignore", message="Omitting `issuer` is deprecated")
            provider = provider_class(
                server_url=api_url, storage=storage, client_id=client_id, client_secret=client_secret
            )
        async with httpx2.AsyncClient(auth=provider, timeout=TIMEOUT, event_hooks={"response": [record]}) as http:
            response = await http.get(api_url)
            # A second call reuses the token: no discovery, no token request.
            again = await http.get(api_url)
        return response, again, storage

    response, again, storage = asyncio.run(run())
    assert again.status_code == 200
    return response, exchanges, storage


def form(request) -> dict[str, list[str]]:
    return parse_qs(request.content.decode(), keep_blank_values=True)


def assert_standard_flow(exchanges: list, api_url: str, resource: str, token_url: str) -> dict:
    """The wire shows the discovery flow in order; returns the token request's form."""
    steps = [(request.method, str(request.url), response.status_code) for request, response in exchanges]
    first_request, first = exchanges[0]
    assert (first_request.method, first.status_code) == ("GET", 401), steps
    metadata_url = f"{urlsplit(api_url).scheme}://{urlsplit(api_url).netloc}{METADATA_PATH}"
    assert f'resource_metadata="{metadata_url}"' in first.headers["WWW-Authenticate"]
    assert steps[1] == ("GET", metadata_url, 200), steps
    token_requests = [request for request, _ in exchanges if str(request.url) == token_url]
    assert len(token_requests) == 1, steps
    token_form = form(token_requests[0])
    assert token_form["grant_type"] == ["client_credentials"]
    assert token_form["resource"] == [resource]  # RFC 8707 §2
    assert token_form["scope"] == [HELLO_SCOPE]  # the scope the 401 named
    assert steps[-2:] == [("GET", api_url, 200), ("GET", api_url, 200)], steps
    return token_form


def bootstrap(tmp_path, base_url: str) -> dict[str, str]:
    """`manage.py bootstrap --base-url`: what it writes to `.env`."""
    env_file = tmp_path / ".env"
    call_command("bootstrap", env_file=str(env_file), base_url=base_url, stdout=StringIO())
    lines = [line for line in env_file.read_text().splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_embedded_issuer(live_server, settings, tmp_path):
    mcp_sdk()
    env = bootstrap(tmp_path, live_server.url)
    assert env["RESOURCE"] == live_server.url
    # What the settings would read from that .env, applied to this running server.
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": env["ISSUER"], "RESOURCE": env["RESOURCE"], "JWKS_URI": None}
    settings.AUTHSERVER = {**settings.AUTHSERVER, "RESOURCES": [env["RESOURCE"]]}

    response, exchanges, storage = call_with_sdk(env["API_URL"], env["TEST_CLIENT_ID"], env["TEST_CLIENT_SECRET"])

    assert response.status_code == 200, response.text
    assert response.json() == "Hello World!"
    assert_standard_flow(exchanges, env["API_URL"], env["RESOURCE"], f"{env['ISSUER']}/v1/token")
    claims = jwt.decode(storage.tokens.access_token, options={"verify_signature": False})
    assert claims["aud"] == env["RESOURCE"]
    assert claims["iss"] == env["ISSUER"]


def test_oidc_provider_as_the_issuer(live_server, settings):
    mcp_sdk()
    resource = live_server.url
    # oidc-provider serves this resource (its resource indicators feature); its tokens' `aud` is it.
    process, provider = start_oidc_provider(audience=resource)
    try:
        settings.API_AUTH = {
            **settings.API_AUTH,
            "ISSUER": provider.issuer,
            "RESOURCE": resource,
            "AUDIENCE": "api://unused",
            "JWKS_URI": None,
        }
        response, exchanges, storage = call_with_sdk(resource + "/", provider.client_id, provider.client_secret)
    finally:
        process.stop()

    assert response.status_code == 200, response.text
    assert response.json() == "Hello World!"
    assert_standard_flow(exchanges, resource + "/", resource, provider.metadata["token_endpoint"])
    claims = jwt.decode(storage.tokens.access_token, options={"verify_signature": False})
    assert claims["aud"] == resource


def test_a_client_without_the_scope_is_refused_at_the_issuer(live_server, settings, tmp_path):
    """The flow fails where it should: the issuer refuses a scope the client may not have."""
    mcp_sdk()
    env = bootstrap(tmp_path, live_server.url)
    settings.API_AUTH = {
        **settings.API_AUTH,
        "ISSUER": env["ISSUER"],
        "RESOURCE": env["RESOURCE"],
        "HELLO_SCOPE": "clients:manage",
        "JWKS_URI": None,
    }
    settings.AUTHSERVER = {**settings.AUTHSERVER, "RESOURCES": [env["RESOURCE"]]}
    with pytest.raises(Exception, match=r"invalid_scope"):
        call_with_sdk(env["API_URL"], env["TEST_CLIENT_ID"], env["TEST_CLIENT_SECRET"])
