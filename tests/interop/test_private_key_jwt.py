"""`private_key_jwt` with code nobody here wrote: oidc-provider as the issuer of a keyless client.

Registration's RFC 7591 backend registers the client at oidc-provider from our public key only;
our command line (`get_token`, `call_api` with TEST_CLIENT_KEY) then authenticates to
oidc-provider's token endpoint with a signed assertion, and the API accepts the token. The key is
rotated through RFC 7592 as registration does it, with no moment where the client cannot authenticate.
"""

import json
from io import StringIO

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import call_command

from api.private_key_jwt import AssertionSigner
from registration.credentials import add_client_key, retire_client_key
from registration.services import register_client
from tests.support.assertions import ec_private_key, rsa_private_key

from .conftest import HELLO_SCOPE
from .test_registration_backend import backend  # noqa: F401 (a fixture)

pytestmark = pytest.mark.interop


def write_pem(path, key) -> str:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(path)


@pytest.fixture
def cli_at_oidc_provider(settings, trust_oidc_provider, live_server):
    settings.ISSUER = trust_oidc_provider.issuer
    settings.API_URL = f"{live_server.url}/"
    settings.TEST_CLIENT_SECRET = ""
    return trust_oidc_provider


def get_token() -> dict:
    out = StringIO()
    call_command("get_token", "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_cli_gets_a_token_from_oidc_provider_with_a_private_key(backend, cli_at_oidc_provider, settings, tmp_path):  # noqa: F811
    key_file = write_pem(tmp_path / "client.pem", rsa_private_key())
    signer = AssertionSigner.from_file(key_file)
    registration = register_client(label="keyless interop", scopes=[HELLO_SCOPE], jwks=signer.public_jwk())
    assert registration.client.key_ids == [signer.kid]
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_KEY = registration.client.client_id, key_file

    token = get_token()["access_token"]
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["client_id"] == registration.client.client_id and claims["iss"] == cli_at_oidc_provider.issuer
    out = StringIO()
    call_command("call_api", stdout=out, stderr=StringIO())
    assert "Hello World!" in out.getvalue()


def test_key_rotation_through_rfc_7592_at_oidc_provider(backend, cli_at_oidc_provider, settings, tmp_path):  # noqa: F811
    old_file = write_pem(tmp_path / "old.pem", ec_private_key())
    new_file = write_pem(tmp_path / "new.pem", ec_private_key())
    old, new = AssertionSigner.from_file(old_file), AssertionSigner.from_file(new_file)
    client = register_client(label="rotating interop", scopes=[HELLO_SCOPE], jwks=old.public_jwk()).client
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_KEY = client.client_id, old_file
    assert get_token()["access_token"]

    add_client_key(client=client, jwk=new.public_jwk())
    for path in (old_file, new_file):  # both keys work during the switch
        settings.TEST_CLIENT_KEY = path
        assert get_token()["access_token"]
    retire_client_key(client=client, key_id=old.kid)
    client.refresh_from_db()
    assert client.key_ids == [new.kid]
    settings.TEST_CLIENT_KEY = new_file
    assert get_token()["access_token"]
    settings.TEST_CLIENT_KEY = old_file
    with pytest.raises(Exception, match="invalid_client"):
        get_token()
