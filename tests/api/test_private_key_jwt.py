"""`AssertionSigner`: a keyless client's private key from a file, and the RFC 7523 assertions it signs."""

import json

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed25519, rsa

from api.private_key_jwt import LIFETIME, MAX_KEY_FILE_BYTES, AssertionSigner, PrivateKeyError
from ccproject.dpop import jwk_thumbprint

TOKEN_URL = "https://issuer.test/oauth2/default/v1/token"


def pem(key, *, password: bytes | None = None) -> bytes:
    encryption = serialization.BestAvailableEncryption(password) if password else serialization.NoEncryption()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


@pytest.mark.parametrize(
    ("make_key", "algorithm"),
    [
        (lambda: rsa.generate_private_key(65537, 2048), "RS256"),
        (lambda: ec.generate_private_key(ec.SECP256R1()), "ES256"),
        (lambda: ec.generate_private_key(ec.SECP384R1()), "ES384"),
        (lambda: ec.generate_private_key(ec.SECP521R1()), "ES512"),
        (ed25519.Ed25519PrivateKey.generate, "EdDSA"),
    ],
    ids=["RSA", "P-256", "P-384", "P-521", "Ed25519"],
)
def test_each_key_type_signs_assertions_its_public_half_verifies(tmp_path, make_key, algorithm):
    key = make_key()
    path = tmp_path / "client.pem"
    path.write_bytes(pem(key))
    signer = AssertionSigner.from_file(str(path))
    public = signer.public_jwk()
    assert (signer.algorithm, public["alg"], public["use"]) == (algorithm, algorithm, "sig")
    assert "d" not in public and signer.kid == jwk_thumbprint(signer.public_jwk(with_kid=False))
    assertion = signer.assertion(client_id="0oakeyless", audience=TOKEN_URL, now=1_800_000_000)
    assert jwt.get_unverified_header(assertion) == {"alg": algorithm, "kid": signer.kid, "typ": "JWT"}
    claims = jwt.decode(
        assertion,
        jwt.PyJWK(public).key,
        algorithms=[algorithm],
        audience=TOKEN_URL,
        options={"verify_exp": False, "verify_iat": False},
    )
    assert claims["iss"] == claims["sub"] == "0oakeyless"
    assert claims["exp"] - claims["iat"] == LIFETIME
    assert (
        claims["jti"]
        != jwt.decode(
            signer.assertion(client_id="0oakeyless", audience=TOKEN_URL), options={"verify_signature": False}
        )["jti"]
    )


def test_a_private_jwk_keeps_its_kid_and_alg(tmp_path):
    key = rsa.generate_private_key(65537, 2048)
    jwk = {**jwt.algorithms.RSAAlgorithm.to_jwk(key, as_dict=True), "kid": "client-key-1", "alg": "PS256"}
    path = tmp_path / "client.jwk"
    path.write_text("  " + json.dumps(jwk))
    signer = AssertionSigner.from_file(str(path))
    assert (signer.kid, signer.algorithm) == ("client-key-1", "PS256")
    assert repr(signer).count("key=") == 0  # the key is never in a repr (logs, tracebacks)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"-----BEGIN PRIVATE KEY-----\nnot base64\n-----END PRIVATE KEY-----\n", "not an unencrypted PEM"),
        (b"garbage", "not an unencrypted PEM"),
        (b"{not json", "not a usable private JWK"),
        (b'{"kty": "RSA", "n": "abc", "e": "AQAB"}', "holds no private key"),
        (b'{"kty": "EC", "crv": "P-256", "d": "AA"}', "not a usable private JWK"),
        (b'{"kty": "oct", "k": "c2VjcmV0", "d": "x", "alg": "HS256"}', "'alg' must be one of"),
    ],
    ids=["bad PEM", "not PEM", "bad JSON", "public JWK", "broken JWK", "HMAC"],
)
def test_an_unusable_key_file_says_what_is_wrong_and_never_echoes_it(tmp_path, content, message):
    path = tmp_path / "client.key"
    path.write_bytes(content)
    with pytest.raises(PrivateKeyError, match=message) as refused:
        AssertionSigner.from_file(str(path))
    assert "c2VjcmV0" not in str(refused.value) and "abc" not in str(refused.value)


@pytest.mark.parametrize("alg", ["none", "HS256", "RS1"])
def test_a_jwk_that_names_no_asymmetric_signature_is_refused(tmp_path, alg):
    """`none` would sign nothing: refused here, not by the token endpoint."""
    key = rsa.generate_private_key(65537, 2048)
    jwk = {**jwt.algorithms.RSAAlgorithm.to_jwk(key, as_dict=True), "alg": alg}
    with pytest.raises(PrivateKeyError, match="'alg' must be one of RS256"):
        AssertionSigner.from_jwk(json.dumps(jwk).encode())


@pytest.mark.parametrize(
    "make_key",
    [lambda: ec.generate_private_key(ec.SECP256K1()), lambda: dsa.generate_private_key(2048)],
    ids=["secp256k1", "DSA"],
)
def test_a_key_type_no_assertion_algorithm_fits_is_refused(tmp_path, make_key):
    path = tmp_path / "client.pem"
    path.write_bytes(pem(make_key()))
    with pytest.raises(PrivateKeyError, match=r"RSA, EC .* or Ed25519"):
        AssertionSigner.from_file(str(path))


def test_an_encrypted_missing_or_oversized_file_is_refused(tmp_path):
    encrypted = tmp_path / "encrypted.pem"
    encrypted.write_bytes(pem(ec.generate_private_key(ec.SECP256R1()), password=b"passphrase"))
    with pytest.raises(PrivateKeyError, match="not an unencrypted PEM"):
        AssertionSigner.from_file(str(encrypted))
    with pytest.raises(PrivateKeyError, match=r"cannot read .*nowhere\.pem \(FileNotFoundError\)"):
        AssertionSigner.from_file(str(tmp_path / "nowhere.pem"))
    huge = tmp_path / "huge.pem"
    huge.write_bytes(b"A" * (MAX_KEY_FILE_BYTES + 1))
    with pytest.raises(PrivateKeyError, match="larger than any key file"):
        AssertionSigner.from_file(str(huge))
