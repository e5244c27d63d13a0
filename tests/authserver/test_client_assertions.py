"""Client authentication by assertion (`private_key_jwt`, RFC 7523) at the token, introspect and revoke endpoints."""

import base64
import hashlib
import hmac
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from authserver.credentials import clean_public_jwk
from authserver.models import STATUS_INACTIVE, Client, ClientKey
from authserver.service_clients import create_service_client
from tests.api.brokencache import DEAD_CACHES
from tests.support.assertions import (
    ASSERTION_TYPE,
    assertion_form,
    ec_private_key,
    make_assertion,
    public_jwk,
    rsa_private_key,
)
from tests.support.keyserver import KeyServer

from .conftest import SECRET, basic

TOKEN = "/oauth2/default/v1/token"
ISSUER = "http://testserver/oauth2/default"


@pytest.fixture(scope="module")
def ec_key():
    return ec_private_key()


@pytest.fixture(scope="module")
def other_key():
    return rsa_private_key()


def keyless_client(client_id: str, *jwks: dict, scopes=("hello:read",)) -> Client:
    return create_service_client(
        label=client_id,
        scopes=list(scopes),
        client_id=client_id,
        auth_method="private_key_jwt",
        jwks=[clean_public_jwk(jwk) for jwk in jwks],
    )[0]


@pytest.fixture
def keyless(key, ec_key) -> Client:
    return keyless_client("keyless", public_jwk(key, "key-1", "RS256"), public_jwk(ec_key, "key-ec"))


@pytest.fixture
def other(other_key) -> Client:
    return keyless_client("other", public_jwk(other_key, "other-1"))


def post(client, data, **extra):
    return client.post(TOKEN, data, **extra)


def assert_invalid_client(response, fragment: str = "") -> str:
    assert response.status_code == 401, response.content
    body = response.json()
    assert body["error"] == "invalid_client"
    assert fragment.lower() in body["error_description"].lower()
    assert response["Cache-Control"] == "no-store"
    return body["error_description"]


def test_a_signed_assertion_gets_a_token(client, keyless, key):
    response = post(client, assertion_form(make_assertion(key, "keyless")))
    assert response.status_code == 200, response.content
    claims = jwt.decode(response.json()["access_token"], options={"verify_signature": False})
    assert claims["cid"] == claims["sub"] == "keyless"
    assert claims["scp"] == ["hello:read"]


@pytest.mark.parametrize("audience", [TOKEN_URL := f"{ISSUER}/v1/token", ISSUER, [ISSUER, "https://elsewhere"]])
def test_aud_may_be_the_token_endpoint_or_the_issuer(client, keyless, key, audience):
    assert post(client, assertion_form(make_assertion(key, "keyless", audience=audience))).status_code == 200


def test_an_ec_key_and_an_assertion_without_kid(client, keyless, ec_key, key):
    assert (
        post(client, assertion_form(make_assertion(ec_key, "keyless", kid="key-ec", algorithm="ES256"))).status_code
        == 200
    )
    # No kid: each active key that fits the algorithm is tried.
    assert post(client, assertion_form(make_assertion(key, "keyless", kid=None))).status_code == 200
    assert (
        post(client, assertion_form(make_assertion(ec_key, "keyless", kid=None, algorithm="ES256"))).status_code == 200
    )


def test_client_id_in_the_body_must_match(client, keyless, key):
    assertion = make_assertion(key, "keyless")
    assert post(client, assertion_form(assertion, client_id="keyless")).status_code == 200
    assert_invalid_client(post(client, assertion_form(make_assertion(key, "keyless"), client_id="other")), "client_id")


def test_a_replayed_assertion_is_refused(client, keyless, key):
    assertion = make_assertion(key, "keyless")
    assert post(client, assertion_form(assertion)).status_code == 200
    assert_invalid_client(post(client, assertion_form(assertion)), "already used")


def test_the_same_jti_from_another_client_is_not_a_replay(client, keyless, other, key, other_key):
    assert post(client, assertion_form(make_assertion(key, "keyless", jti="shared"))).status_code == 200
    assert (
        post(client, assertion_form(make_assertion(other_key, "other", kid="other-1", jti="shared"))).status_code == 200
    )


def forged_hmac(public_key, client_id: str) -> str:
    """HS256 keyed with the client's public key in PEM: the classic algorithm-confusion forgery."""
    pem = public_key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    now = int(time.time())
    segments = [
        base64.urlsafe_b64encode(json.dumps(part).encode()).rstrip(b"=")
        for part in (
            {"alg": "HS256", "kid": "key-1"},
            {"iss": client_id, "sub": client_id, "aud": f"{ISSUER}/v1/token", "exp": now + 60, "jti": "x"},
        )
    ]
    signing_input = b".".join(segments)
    signature = base64.urlsafe_b64encode(hmac.new(pem, signing_input, hashlib.sha256).digest()).rstrip(b"=")
    return (signing_input + b"." + signature).decode()


def unsigned(client_id: str) -> str:
    now = int(time.time())
    claims = {"iss": client_id, "sub": client_id, "aud": f"{ISSUER}/v1/token", "exp": now + 60, "jti": "n"}
    return jwt.encode(claims, None, algorithm="none", headers={"kid": "key-1"})


@pytest.mark.parametrize(
    ("build", "fragment"),
    [
        (lambda k, o: make_assertion(k, "keyless", audience="https://elsewhere/token"), "aud"),
        (lambda k, o: make_assertion(k, "keyless", exp=int(time.time()) - 600), "expired"),
        (lambda k, o: make_assertion(k, "keyless", iat=int(time.time()) + 600, exp=int(time.time()) + 900), "future"),
        (lambda k, o: make_assertion(k, "keyless", nbf=int(time.time()) + 600), "future"),
        (lambda k, o: make_assertion(k, "keyless", exp=int(time.time()) + 7200), "seconds ahead"),
        (lambda k, o: make_assertion(k, "keyless", exp=None), "exp"),
        (lambda k, o: make_assertion(k, "keyless", jti=None), "jti"),
        (lambda k, o: make_assertion(k, "keyless", aud=None, audience=None), "aud"),
        (lambda k, o: make_assertion(k, "keyless", jti="j" * 300), "jti"),
        (lambda k, o: make_assertion(k, "keyless", kid="nope"), "kid"),
        (lambda k, o: make_assertion(o, "keyless", kid="key-1"), "signature"),
        (lambda k, o: make_assertion(o, "keyless", kid=None), "signature"),
        (lambda k, o: make_assertion(k, "keyless", iss="someone-else"), "iss and sub"),
        (lambda k, o: make_assertion(k, "keyless", sub=None), "iss and sub"),
        (lambda k, o: make_assertion(k, "nobody"), "not an active client"),
        (lambda k, o: make_assertion(k, "keyless", algorithm="PS256"), "verifies PS256"),
        (lambda k, o: make_assertion(k, "keyless", headers={"crit": ["exp"]}), ""),
        (lambda k, o: unsigned("keyless"), "none"),
        (lambda k, o: forged_hmac(k.public_key(), "keyless"), "HMAC"),
        (lambda k, o: "not.a.jwt", "well-formed"),
        (lambda k, o: "x" * 9000, "at most"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_every_bad_assertion_is_invalid_client(client, keyless, key, other_key, build, fragment):
    assert_invalid_client(post(client, assertion_form(build(key, other_key))), fragment)


def test_another_clients_key_does_not_authenticate(client, keyless, other, other_key):
    # Signed by "other"'s registered key, claiming to be "keyless".
    assertion = make_assertion(other_key, "keyless", kid="other-1")
    assert_invalid_client(post(client, assertion_form(assertion)), "kid")


def test_an_inactive_key_or_client_does_not_authenticate(client, keyless, key):
    ClientKey.objects.filter(kid="key-1").update(status=STATUS_INACTIVE)
    assert_invalid_client(post(client, assertion_form(make_assertion(key, "keyless"))), "kid")
    ClientKey.objects.filter(kid="key-1").update(status="ACTIVE")
    Client.objects.filter(pk=keyless.pk).update(status=Client.STATUS_INACTIVE)
    assert_invalid_client(post(client, assertion_form(make_assertion(key, "keyless"))), "not an active client")


def test_a_secret_client_cannot_use_an_assertion(client, oauth_client, key):
    assert_invalid_client(post(client, assertion_form(make_assertion(key, "test-client"))), "private_key_jwt")


def test_a_keyless_client_never_accepts_a_secret(client, keyless):
    for password in ("", SECRET, "anything"):
        response = post(client, {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=basic("keyless", password))
        assert response.status_code == 401
    response = post(client, {"grant_type": "client_credentials", "client_id": "keyless", "client_secret": "x"})
    assert_invalid_client(response, "private_key_jwt")


def test_an_assertion_and_a_secret_together_are_refused(client, keyless, key, oauth_client):
    form = assertion_form(make_assertion(key, "keyless"))
    response = post(client, form, HTTP_AUTHORIZATION=basic("test-client", SECRET))
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    response = post(client, {**form, "client_secret": SECRET})
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


def test_the_assertion_type_must_be_jwt_bearer(client, keyless, key):
    form = assertion_form(make_assertion(key, "keyless"), client_assertion_type="urn:ietf:params:oauth:x")
    assert_invalid_client(post(client, form), "client_assertion_type")


def test_an_assertion_in_the_query_string_does_not_count(client, keyless, key):
    query = f"client_assertion_type={ASSERTION_TYPE}&client_assertion={make_assertion(key, 'keyless')}"
    response = client.post(f"{TOKEN}?{query}", {"grant_type": "client_credentials"})
    assert response.status_code in (400, 401)
    assert b"access_token" not in response.content


@pytest.mark.parametrize("dead", list(DEAD_CACHES.values()), ids=list(DEAD_CACHES))
def test_replay_store_down_fails_closed(client, keyless, key, settings, dead):
    settings.CACHES = {**settings.CACHES, "default": dead}
    response = post(client, assertion_form(make_assertion(key, "keyless")))
    assert response.status_code == 503, response.content
    assert response.json()["error"] == "temporarily_unavailable"


def test_introspection_and_revocation_accept_assertions(client, keyless, key):
    token = post(client, assertion_form(make_assertion(key, "keyless"))).json()["access_token"]
    for endpoint in ("introspect", "revoke"):
        url = f"{ISSUER}/v1/{endpoint}"
        form = assertion_form(make_assertion(key, "keyless", audience=url), token=token)
        form.pop("grant_type")
        response = client.post(f"/oauth2/default/v1/{endpoint}", form)
        assert response.status_code == 200, response.content
    # Revoked: introspection (authenticated by a fresh assertion) says inactive.
    form = assertion_form(make_assertion(key, "keyless"), token=token)
    form.pop("grant_type")
    assert client.post("/oauth2/default/v1/introspect", form).json() == {"active": False}
    form = assertion_form(make_assertion(key, "keyless", audience="https://elsewhere"), token=token)
    form.pop("grant_type")
    assert client.post("/oauth2/default/v1/introspect", form).status_code == 401


# -- keys at a jwks_uri ------------------------------------------------------------------------


@pytest.fixture
def keyserver(key):
    server = KeyServer({"keys": [public_jwk(key, "key-1")]}).up()
    server.slow_limit = 5.0
    yield server
    server.down()


@pytest.fixture
def remote_client(keyserver, settings):
    settings.AUTHSERVER = {**settings.AUTHSERVER, "CLIENT_JWKS_HTTP_TIMEOUT": (0.5, 0.5)}
    return create_service_client(
        label="remote", scopes=["hello:read"], client_id="remote", auth_method="private_key_jwt", jwks_uri=keyserver.url
    )[0]


def test_keys_from_a_jwks_uri_are_fetched_once(client, remote_client, keyserver, key):
    for _ in range(3):
        assert post(client, assertion_form(make_assertion(key, "remote"))).status_code == 200
    assert len(keyserver.requests) == 1


def test_a_key_rotated_at_the_jwks_uri_is_fetched_for_its_kid(client, remote_client, keyserver, key, other_key):
    assert post(client, assertion_form(make_assertion(key, "remote"))).status_code == 200
    keyserver.jwks = {"keys": [public_jwk(key, "key-1"), public_jwk(other_key, "key-2")]}
    # Within the cooldown the cached set answers; an unknown kid is refused without a fetch storm.
    assert_invalid_client(post(client, assertion_form(make_assertion(other_key, "remote", kid="key-2"))), "kid")
    assert_invalid_client(post(client, assertion_form(make_assertion(other_key, "remote", kid="key-3"))), "kid")
    assert len(keyserver.requests) == 1


def test_an_unknown_kid_after_the_cooldown_fetches_again(client, remote_client, keyserver, key, other_key, settings):
    settings.AUTHSERVER = {**settings.AUTHSERVER, "CLIENT_JWKS_REFRESH_COOLDOWN": 0}
    assert post(client, assertion_form(make_assertion(key, "remote"))).status_code == 200
    keyserver.jwks = {"keys": [public_jwk(other_key, "key-2")]}
    assert post(client, assertion_form(make_assertion(other_key, "remote", kid="key-2"))).status_code == 200
    assert len(keyserver.requests) == 2


@pytest.mark.parametrize("mode", ["slow", "trickle", "huge", "redirect", "error", "html", "invalid_json", "empty"])
def test_a_hostile_jwks_uri_is_invalid_client_never_5xx(client, remote_client, keyserver, key, mode):
    keyserver.mode = mode
    try:
        assert_invalid_client(post(client, assertion_form(make_assertion(key, "remote"))), "jwks_uri")
    finally:
        keyserver.release.set()


def test_private_keys_published_at_a_jwks_uri_are_ignored(client, remote_client, keyserver, key):
    from tests.support.assertions import private_jwk

    keyserver.jwks = {"keys": [private_jwk(key, "key-1")]}
    assert_invalid_client(post(client, assertion_form(make_assertion(key, "remote"))), "no usable")


def test_repeated_assertion_parameters_are_refused(client, keyless, key):
    body = (
        f"grant_type=client_credentials&client_assertion_type={ASSERTION_TYPE}"
        f"&client_assertion={make_assertion(key, 'keyless')}&client_assertion={make_assertion(key, 'keyless')}"
    )
    response = client.post(TOKEN, body, content_type="application/x-www-form-urlencoded")
    assert response.status_code == 400, response.content
    assert response.json()["error"] == "invalid_request"
    assert "client_assertion" in response.json()["error_description"]


def test_deeply_nested_json_in_an_assertion_is_invalid_client(client, keyless):
    def segment(raw: str) -> str:
        return base64.urlsafe_b64encode(raw.encode()).rstrip(b"=").decode()

    nested = '{"iss": "keyless", "sub": "keyless", "x": ' + "[" * 2500 + "]" * 2500 + "}"
    assertion = f"{segment(json.dumps({'alg': 'RS256', 'kid': 'key-1'}))}.{segment(nested)}.c2ln"
    assert len(assertion) < 8192
    assert_invalid_client(post(client, assertion_form(assertion)))
