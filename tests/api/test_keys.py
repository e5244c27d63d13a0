"""JWK parsing: each key bound to one algorithm; weak, private, foreign-use and unsupported keys ignored."""

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from api.keys import parse_jwks

RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


def rsa_jwk(**extra) -> dict:
    return {**jwt.algorithms.RSAAlgorithm.to_jwk(RSA_KEY.public_key(), as_dict=True), "kid": "r", **extra}


def ec_jwk(curve, **extra) -> dict:
    public = ec.generate_private_key(curve).public_key()
    return {**jwt.algorithms.ECAlgorithm.to_jwk(public, as_dict=True), "kid": "e", **extra}


def okp_jwk(private, **extra) -> dict:
    return {**jwt.algorithms.OKPAlgorithm.to_jwk(private.public_key(), as_dict=True), "kid": "o", **extra}


@pytest.mark.parametrize(
    ("jwk", "algorithm"),
    [
        (rsa_jwk(), "RS256"),
        (rsa_jwk(alg="PS384"), "PS384"),
        (ec_jwk(ec.SECP256R1()), "ES256"),
        (ec_jwk(ec.SECP384R1()), "ES384"),
        (ec_jwk(ec.SECP521R1()), "ES512"),
        (okp_jwk(ed25519.Ed25519PrivateKey.generate()), "EdDSA"),
        (okp_jwk(ed448.Ed448PrivateKey.generate()), "EdDSA"),
    ],
)
def test_usable_keys_are_bound_to_one_algorithm(jwk, algorithm):
    (key,) = parse_jwks({"keys": [jwk]}).keys.values()
    assert key.algorithm == algorithm


@pytest.mark.parametrize(
    ("jwk", "reason"),
    [
        (rsa_jwk(use="enc"), "use is not 'sig'"),
        (rsa_jwk(key_ops=["encrypt"]), "key_ops"),
        (rsa_jwk(alg="HS256"), "unsupported algorithm"),
        (rsa_jwk(alg="RSA-OAEP"), "unsupported algorithm"),
        (rsa_jwk(alg="ES256"), "does not fit key type"),
        (ec_jwk(ec.SECP384R1(), alg="ES256"), "does not fit curve"),
        (ec_jwk(ec.SECP256K1()), "unsupported algorithm"),
        ({"kty": "oct", "kid": "h", "k": "c2VjcmV0"}, "unsupported key type"),
        ({"kty": "RSA", "kid": "n", "n": "!!", "e": "AQAB"}, "malformed"),
        ({**rsa_jwk(), "kid": None}, "no usable kid"),
        ({**rsa_jwk(), "kid": "a b"}, "no usable kid"),
        ({**jwt.algorithms.RSAAlgorithm.to_jwk(RSA_KEY, as_dict=True), "kid": "p", "key_ops": None}, "private key"),
        (
            {
                **jwt.algorithms.RSAAlgorithm.to_jwk(rsa.generate_private_key(65537, 1024).public_key(), as_dict=True),
                "kid": "w",
            },
            "too weak",
        ),
        ("not an object", "not a JSON object"),
    ],
)
def test_unusable_keys_are_ignored_with_a_reason(jwk, reason):
    parsed = parse_jwks({"keys": [jwk]})
    assert parsed.keys == {}
    assert reason in parsed.ignored[0]


def test_a_kid_published_twice_keeps_the_first():
    parsed = parse_jwks({"keys": [rsa_jwk(), rsa_jwk(alg="PS256")]})
    assert parsed.keys["r"].algorithm == "RS256"
    assert "published twice" in parsed.ignored[0]


@pytest.mark.parametrize("document", [None, [], {"keys": "x"}, {"other": []}])
def test_not_a_jwks(document):
    assert parse_jwks(document).keys == {}


def test_min_rsa_bits_is_a_setting(settings):
    settings.API_AUTH = {**settings.API_AUTH, "MIN_RSA_BITS": 3072}
    assert "too weak" in parse_jwks({"keys": [rsa_jwk()]}).ignored[0]
