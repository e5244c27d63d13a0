"""The command line as a keyless client: TEST_CLIENT_KEY (PEM or JWK file), and `bootstrap --keyless`."""

import json
import stat
from io import StringIO

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from django.core.management import CommandError, call_command

from api.private_key_jwt import AssertionSigner
from authserver.credentials import clean_public_jwk
from authserver.service_clients import create_service_client
from tests.support.assertions import ec_private_key, private_jwk, public_jwk, rsa_private_key

from .test_cli_process import manage

pytestmark = pytest.mark.e2e


@pytest.fixture
def issuer(live_server, settings):
    url = f"{live_server.url}/oauth2/default"
    settings.ISSUER = url
    settings.API_URL = f"{live_server.url}/"
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": url}
    settings.TEST_CLIENT_SECRET = ""
    return url


def keyless_client(client_id: str, jwk: dict) -> None:
    create_service_client(
        label=client_id,
        scopes=["hello:read"],
        client_id=client_id,
        auth_method="private_key_jwt",
        jwks=[clean_public_jwk(jwk)],
    )


def token_json(*args: str) -> dict:
    out = StringIO()
    call_command("get_token", "--json", *args, stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def test_a_pem_key_gets_a_token_and_calls_the_api(issuer, settings, tmp_path):
    key = rsa_private_key()
    pem = tmp_path / "client.pem"
    pem.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    signer = AssertionSigner.from_file(str(pem))
    keyless_client("pem-client", signer.public_jwk())  # the kid is the key's RFC 7638 thumbprint
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_KEY = "pem-client", str(pem)

    claims = jwt.decode(token_json()["access_token"], options={"verify_signature": False})
    assert claims["cid"] == "pem-client"
    out = StringIO()
    call_command("call_api", stdout=out, stderr=StringIO())
    assert "Hello" in out.getvalue()


def test_a_private_jwk_file_gets_a_token(issuer, settings, tmp_path):
    key = ec_private_key()
    path = tmp_path / "client.jwk"
    path.write_text(json.dumps({**private_jwk(key, "ec-1"), "alg": "ES256"}))
    keyless_client("jwk-client", public_jwk(key, "ec-1", "ES256"))
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_KEY = "jwk-client", str(path)
    assert token_json()["token_type"] == "Bearer"


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (lambda key: json.dumps(public_jwk(key, "k")), "no private key"),
        (
            lambda key: (
                key.public_key()
                .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
                .decode()
            ),
            "not an unencrypted PEM private key",
        ),
        (lambda key: "garbage", "not an unencrypted PEM private key"),
        (lambda key: "{not json", "not a usable private JWK"),
    ],
)
def test_an_unusable_key_file_names_test_client_key(settings, tmp_path, content, fragment):
    path = tmp_path / "key"
    path.write_text(content(rsa_private_key()))
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_KEY = "someone", str(path)
    with pytest.raises(CommandError, match=fragment) as failure:
        call_command("get_token", stdout=StringIO(), stderr=StringIO())
    assert "TEST_CLIENT_KEY" in str(failure.value)
    assert failure.value.returncode == 3


def test_the_wrong_key_is_invalid_client_naming_the_setting(issuer, settings, tmp_path):
    keyless_client("victim", public_jwk(rsa_private_key(), "k1"))
    path = tmp_path / "other.jwk"
    path.write_text(json.dumps(private_jwk(rsa_private_key(), "k1")))
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_KEY = "victim", str(path)
    with pytest.raises(CommandError, match="invalid_client") as failure:
        call_command("get_token", stdout=StringIO(), stderr=StringIO())
    assert "TEST_CLIENT_KEY" in str(failure.value)


def test_bootstrap_keyless_then_get_token_in_a_real_process(issuer, settings, tmp_path):
    env_file = tmp_path / ".env"
    call_command("bootstrap", "--env-file", str(env_file), "--keyless", stdout=StringIO())
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    assert "TEST_CLIENT_SECRET" not in values
    key_file = tmp_path / "test-client-key.jwk"
    assert values["TEST_CLIENT_KEY"] == str(key_file.resolve())
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert "d" in json.loads(key_file.read_text())

    result = manage(
        "get_token", ISSUER=issuer, TEST_CLIENT_ID=values["TEST_CLIENT_ID"], TEST_CLIENT_KEY=values["TEST_CLIENT_KEY"]
    )
    assert result.returncode == 0, result.stderr
    claims = jwt.decode(result.stdout.strip(), options={"verify_signature": False})
    assert claims["cid"] == values["TEST_CLIENT_ID"]

    # Idempotent: the client exists, nothing is rewritten and the key file is kept.
    settings.TEST_CLIENT_ID = values["TEST_CLIENT_ID"]
    call_command("bootstrap", "--env-file", str(env_file), "--keyless", stdout=StringIO())
    assert json.loads(key_file.read_text())["kid"].startswith("bootstrap-")


def test_a_keyless_client_gets_dpop_bound_tokens_through_the_issuers_nonce(issuer, settings, tmp_path):
    key = ec_private_key()
    path = tmp_path / "client.jwk"
    path.write_text(json.dumps({**private_jwk(key, "ec-1"), "alg": "ES256"}))
    keyless_client("dpop-keyless", public_jwk(key, "ec-1", "ES256"))
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_KEY = "dpop-keyless", str(path)
    # The issuer asks for its nonce first: the retry must carry a new assertion (each jti is accepted once).
    settings.AUTHSERVER = {**settings.AUTHSERVER, "DPOP_NONCE": True}
    body = token_json("--dpop")
    assert body["token_type"] == "DPoP"
    assert "jkt" in jwt.decode(body["access_token"], options={"verify_signature": False})["cnf"]
    out = StringIO()
    call_command("call_api", "--dpop", stdout=out, stderr=StringIO())
    assert "Hello" in out.getvalue()
