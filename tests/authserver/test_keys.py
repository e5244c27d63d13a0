"""Signing keys: RS256 and ES256, rotation, publication until every token has expired, retirement."""

import json
from datetime import timedelta
from io import StringIO

import jwt
import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from authserver.keys import (
    create_signing_key,
    current_signing_key,
    ensure_signing_key,
    key_state,
    published_jwks,
    published_keys,
    replace_compromised_keys,
    retire_expired_keys,
    rotate_signing_key,
    token_lifetime_bound,
)
from authserver.models import SigningKey

from .conftest import SECRET, basic
from .test_token_endpoint import request_token


def kids() -> list[str]:
    return [key["kid"] for key in published_jwks()["keys"]]


def test_rotation_publishes_the_new_key_before_it_signs(client, oauth_client):
    old = ensure_signing_key()
    now = timezone.now()
    new, replaced = rotate_signing_key(now=now)
    assert [key.kid for key in replaced] == [old.kid]
    assert new.activates_at == now + timedelta(seconds=60)
    assert kids() == [new.kid, old.kid]  # Both published at once...
    assert current_signing_key(now=now).kid == old.kid  # ...the old one still signs...
    token = request_token(client, basic("test-client", SECRET)).json()["access_token"]
    assert jwt.get_unverified_header(token)["kid"] == old.kid
    assert current_signing_key(now=new.activates_at).kid == new.kid  # ...until the new one activates.
    old.refresh_from_db()
    assert old.deactivated_at == new.activates_at
    assert old.publish_until == new.activates_at + token_lifetime_bound()
    assert [key_state(key, now) for key in (new, old)] == ["next", "signing"]
    assert [key_state(key, new.activates_at) for key in (new, old)] == ["signing", "rotated out"]


def test_immediate_rotation_signs_at_once(client, oauth_client):
    ensure_signing_key()
    new, _ = rotate_signing_key(prepublish=0)
    token = request_token(client, basic("test-client", SECRET)).json()["access_token"]
    assert jwt.get_unverified_header(token)["kid"] == new.kid


def test_old_key_is_retired_only_after_its_last_token_expired(client, oauth_client):
    old = ensure_signing_key()
    token = request_token(client, basic("test-client", SECRET)).json()["access_token"]
    exp = jwt.decode(token, options={"verify_signature": False})["exp"]
    rotate_signing_key(prepublish=0)
    old.refresh_from_db()
    assert old.publish_until.timestamp() > exp
    assert retire_expired_keys(now=old.publish_until - timedelta(seconds=1)) == []
    assert old.kid in kids()
    assert retire_expired_keys(now=old.publish_until) == [old.kid]
    old.refresh_from_db()
    assert old.retired_at is not None
    assert old.private_key_pem == ""
    assert old.kid not in kids()
    assert key_state(old) == "retired"


def test_an_expired_key_leaves_the_jwks_at_publish_until_without_a_write(client):
    old = ensure_signing_key()
    rotate_signing_key(now=timezone.now() - token_lifetime_bound() - timedelta(seconds=61))
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/oauth2/default/v1/keys")
    assert old.kid not in [key["kid"] for key in response.json()["keys"]]
    assert key_state(SigningKey.objects.get(kid=old.kid)) == "retired"
    # The read path is a read: nothing retired, nothing erased, no write statement at all.
    assert SigningKey.objects.get(kid=old.kid).retired_at is None
    assert all(query["sql"].lstrip().upper().startswith("SELECT") for query in queries.captured_queries)
    assert retire_expired_keys() == [old.kid]
    assert SigningKey.objects.get(kid=old.kid).private_key_pem == ""


def test_publication_ends_at_publish_until_as_the_clock_says(client, oauth_client):
    old = ensure_signing_key()
    rotate_signing_key(prepublish=0)
    old.refresh_from_db()
    assert old.kid in [key.kid for key in published_keys(now=old.publish_until - timedelta(seconds=1))]
    assert old.kid not in [key.kid for key in published_keys(now=old.publish_until)]


def test_introspection_stops_accepting_a_key_past_publish_until(client, oauth_client):
    ensure_signing_key()
    token = request_token(client, basic("test-client", SECRET)).json()["access_token"]
    SigningKey.objects.update(publish_until=timezone.now() - timedelta(seconds=1))
    response = client.post(
        "/oauth2/default/v1/introspect", {"token": token}, HTTP_AUTHORIZATION=basic("test-client", SECRET)
    )
    assert response.json() == {"active": False}


def test_es256_keys_sign_and_publish(client, oauth_client):
    key = create_signing_key("ES256")
    (jwk,) = published_jwks()["keys"]
    assert jwk == {**jwk, "kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": key.kid}
    assert set(jwk) == {"kty", "crv", "x", "y", "alg", "use", "kid"}
    token = request_token(client, basic("test-client", SECRET)).json()["access_token"]
    assert jwt.get_unverified_header(token)["alg"] == "ES256"
    claims = jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=["ES256"], audience="api://default")
    assert claims["cid"] == "test-client"
    response = client.post(
        "/oauth2/default/v1/introspect", {"token": token}, HTTP_AUTHORIZATION=basic("test-client", SECRET)
    )
    assert response.json()["active"] is True


def test_kid_is_the_rfc7638_thumbprint():
    # RFC 7638 §3.1's example key and thumbprint.
    from authserver.keys import _thumbprint

    n = (
        "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMs"
        "tn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5"
        "hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
    )
    assert _thumbprint({"kty": "RSA", "n": n, "e": "AQAB"}) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_unsupported_algorithm_is_refused():
    with pytest.raises(ValueError, match="HS256"):
        create_signing_key("HS256")


def run(*args) -> str:
    out = StringIO()
    call_command("rotate_signing_key", *args, stdout=out)
    return out.getvalue()


def test_command_rotates_and_reports_json():
    old = ensure_signing_key()
    result = json.loads(run("--json"))
    assert result["rotated"] is True
    assert result["replaced"] == [old.kid]
    assert result["signing_kid"] == old.kid  # Until the new key's activation.
    assert result["next_kid"] != old.kid
    published = {key["kid"]: key for key in result["published"]}
    assert published[result["next_kid"]]["state"] == "next"
    assert published[old.kid]["state"] == "signing"
    assert published[old.kid]["signs_until"] == published[result["next_kid"]]["signs_from"]
    assert published[old.kid]["published_until"]


def test_command_immediately_human_output_and_es256():
    ensure_signing_key()
    output = run("--algorithm", "ES256", "--immediately")
    assert "New signing key" in output and "(ES256)" in output
    assert "rotated out" in output
    assert current_signing_key().algorithm == "ES256"


def test_command_retire_only_does_not_rotate():
    key = ensure_signing_key()
    result = json.loads(run("--retire-only", "--json"))
    assert result["rotated"] is False
    assert result["signing_kid"] == key.kid
    assert SigningKey.objects.count() == 1


def test_command_exits_3_naming_a_bad_setting(settings):
    settings.AUTHSERVER = {**settings.AUTHSERVER, "SIGNING_ALGORITHM": "HS256"}
    with pytest.raises(CommandError, match="Unsupported signing algorithm") as info:
        run()
    assert info.value.returncode == 3 and "AUTHSERVER_SIGNING_ALGORITHM" in str(info.value)


def test_a_compromised_key_is_pulled_at_once_with_every_other_key(client, oauth_client):
    old = ensure_signing_key()
    leaked = request_token(client, basic("test-client", SECRET)).json()["access_token"]
    _, _ = rotate_signing_key()  # a rotation under way: its next key sits beside the old one
    before = {key.kid for key in SigningKey.objects.all()}
    new, pulled = replace_compromised_keys()
    assert set(pulled) == before
    assert kids() == [new.kid]  # only the new key is published, at once
    assert current_signing_key().kid == new.kid  # and it signs now
    for key in SigningKey.objects.exclude(kid=new.kid):
        assert (key.private_key_pem, key_state(key)) == ("", "retired")
    token = request_token(client, basic("test-client", SECRET)).json()["access_token"]
    assert jwt.get_unverified_header(token)["kid"] == new.kid
    introspected = client.post(
        "/oauth2/default/v1/introspect", {"token": leaked}, HTTP_AUTHORIZATION=basic("test-client", SECRET)
    )
    assert introspected.json() == {"active": False}
    assert old.kid not in [key["kid"] for key in client.get("/oauth2/default/v1/keys").json()["keys"]]


def test_command_compromised_reports_what_it_pulled():
    old = ensure_signing_key()
    result = json.loads(run("--compromised", "--json"))
    assert result["rotated"] is True
    assert result["retired"] == [old.kid]
    assert result["signing_kid"] == result["next_kid"] != old.kid
    assert [key["kid"] for key in result["published"]] == [result["next_kid"]]
    output = run("--compromised")
    assert f"Retired {result['next_kid']} at once" in output
    assert "manage.py jwks refresh" in output


@pytest.mark.parametrize("other", ["--immediately", "--retire-only"])
def test_command_compromised_is_one_mode_alone(other):
    ensure_signing_key()
    with pytest.raises(CommandError, match="not allowed with"):
        run("--compromised", other)
    assert SigningKey.objects.count() == 1
