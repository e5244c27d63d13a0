"""A keyless client's public keys: every malformed JWK or JWKS is refused with a clear error, before the provider."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from registration.exceptions import InvalidRegistration
from registration.management.key_files import MAX_KEY_FILE_BYTES, read_public_jwk
from registration.models import RegisteredClient
from registration.public_keys import MAX_KEYS, clean_public_keys
from tests.support.assertions import public_jwk, rsa_private_key


@pytest.fixture(scope="module")
def jwk() -> dict:
    return public_jwk(rsa_private_key(), "k1")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"keys": []}, "non-empty 'keys' array"),
        ({"keys": "k1"}, "non-empty 'keys' array"),
        (["not", "a", "jwk"], "each key must be a JSON object"),
        ({"keys": [None]}, "each key must be a JSON object"),
        ({"kty": "oct", "kid": "k1", "k": "c2VjcmV0"}, "private key"),  # symmetric: its `k` is the secret
        ({"kty": "DSA", "kid": "k1"}, "'kty' RSA, EC or OKP"),
        ({"kty": "RSA", "n": "abc", "e": "AQAB"}, "needs a 'kid'"),
        ({"kty": "RSA", "kid": "", "n": "abc", "e": "AQAB"}, "needs a 'kid'"),
        ({"kty": "RSA", "kid": "k" * 257, "n": "abc", "e": "AQAB"}, "needs a 'kid'"),
        ({"kty": "RSA", "kid": "k1\x00", "n": "abc", "e": "AQAB"}, "needs a 'kid'"),
        ({"kty": "RSA", "kid": ["k1"], "n": "abc", "e": "AQAB"}, "needs a 'kid'"),
        ({"kty": "RSA", "kid": "k1", "n": 12345, "e": "AQAB"}, "members of a key are strings"),
        ({"kty": "EC", "kid": "k1", "crv": "P-256", "x": {"deep": "object"}, "y": "y"}, "members of a key are strings"),
    ],
)
def test_a_malformed_key_is_refused_with_a_message_that_says_what_is_wrong(value, message):
    with pytest.raises(InvalidRegistration, match=message):
        clean_public_keys(value)


def test_too_many_keys_and_repeated_kids_are_refused(jwk):
    with pytest.raises(InvalidRegistration, match=f"at most {MAX_KEYS} keys"):
        clean_public_keys({"keys": [{**jwk, "kid": f"k{i}"} for i in range(MAX_KEYS + 1)]})
    with pytest.raises(InvalidRegistration, match="its own 'kid'"):
        clean_public_keys({"keys": [jwk, {**jwk}]})


def test_only_the_public_members_travel_on(jwk):
    [cleaned] = clean_public_keys({**jwk, "x5u": "https://attacker.test/cert", "key_ops": ["verify"], "ext": True})
    assert set(cleaned) <= {"kty", "kid", "alg", "use", "n", "e"}
    assert cleaned["n"] == jwk["n"]


def test_the_api_answers_a_malformed_jwks_with_400_and_calls_no_provider(bearer, okta_http):
    response = bearer("clients:register", "hello:read").post(
        "/register/",
        {"label": "Keyless", "scopes": ["hello:read"], "jwks": {"keys": [{"kty": "RSA", "n": "abc", "e": "AQAB"}]}},
        format="json",
    )
    assert response.status_code == 400
    body = response.json()
    assert body["error"] == "invalid_request"
    assert "needs a 'kid'" in body["error_description"]
    assert not [call for call in okta_http.calls if "/api/v1/apps" in call.request.url]
    assert not RegisteredClient.objects.exists()


@pytest.mark.parametrize(
    "content",
    [
        b"{not json",
        b"\xff\xfe not utf-8",
        b'{"kty": "RSA", "kid": "k1", "n": "' + b"A" * MAX_KEY_FILE_BYTES + b'"}',
    ],
    ids=["not JSON", "not UTF-8", "too large"],
)
def test_a_key_file_that_is_not_a_small_json_document_is_a_usage_error(tmp_path, content):
    path = tmp_path / "key.json"
    path.write_bytes(content)
    with pytest.raises(CommandError, match="not a readable JSON file") as refused:
        read_public_jwk(str(path))
    assert refused.value.returncode == 2
    assert "AAAA" not in str(refused.value)


def test_a_missing_key_file_is_a_usage_error_of_the_command(tmp_path, okta_http):
    missing = tmp_path / "nowhere.json"
    with pytest.raises(CommandError, match=r"nowhere\.json: not a readable JSON file") as refused:
        call_command("register_client", "CLI", "--scope", "hello:read", "--public-key", str(missing), stdout=StringIO())
    assert refused.value.returncode == 2
    assert not okta_http.calls and not RegisteredClient.objects.exists()


def test_a_key_file_holding_a_jwks_is_read_whole(tmp_path, jwk):
    path = tmp_path / "jwks.json"
    path.write_text(json.dumps({"keys": [jwk]}))
    assert read_public_jwk(str(path)) == {"keys": [jwk]}
