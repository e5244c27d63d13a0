"""The shortcuts of the request path answer exactly as the careful code they skip."""

import base64
import binascii
import dataclasses
import re

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from hypothesis import example, given
from hypothesis import strategies as st
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from api import validation
from api.authentication import OAuthClientCredentialsAuthentication
from api.exceptions import InvalidRequest, InvalidToken, TokenError
from api.principal import ClientPrincipal, ValidatedToken
from api.validation import parse_jwt, validate_token
from ccproject.b64url import b64url_decode

BASE64URL = re.compile(r"[A-Za-z0-9_-]*")
factory = APIRequestFactory()


def reference_b64decode(segment: str) -> bytes:
    """RFC 7515 §2: the base64url alphabet, no padding; any other input is an error."""
    if not BASE64URL.fullmatch(segment):
        raise binascii.Error("not base64url")
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def outcome(function, *args):
    try:
        return ("value", function(*args))
    except (ValueError, binascii.Error) as exc:  # binascii.Error and UnicodeEncodeError are ValueErrors
        return ("error", type(exc).__name__ in ("Error", "UnicodeEncodeError"))


@given(st.text(alphabet=st.characters(codec="ascii"), max_size=40) | st.text(max_size=12))
@example("abc=")  # padding is not base64url
@example("ab+/")  # base64's two other characters
@example("a")  # one character short of a byte
@example("ab\ncd")
@example("")
def test_segment_decoding_accepts_exactly_base64url(segment):
    assert outcome(b64url_decode, segment) == outcome(reference_b64decode, segment)


def test_a_known_header_is_remembered_only_after_a_good_signature(make_token, issuer_http, monkeypatch):
    monkeypatch.setattr(validation, "_KNOWN_HEADERS", {})
    token = make_token()
    header_segment = token.split(".")[0]
    forged = make_token(key=rsa.generate_private_key(public_exponent=65537, key_size=2048))
    with pytest.raises(TokenError, match="signature"):
        validate_token(forged)
    assert validation._KNOWN_HEADERS == {}
    validate_token(token)
    known = validation._KNOWN_HEADERS
    assert known == {header_segment: {"alg": "RS256", "kid": "test-key-1", "typ": "JWT"}}
    # The known header saves decoding only: a token under it is still checked in full.
    header_segment_again, claims, _ = make_token().split(".")
    assert header_segment_again == header_segment
    with pytest.raises(TokenError, match="signature"):
        validate_token(f"{header_segment}.{claims}.{forged.split('.')[2]}")
    assert parse_jwt(token).header == {"alg": "RS256", "kid": "test-key-1", "typ": "JWT"}


def test_known_headers_stay_within_their_bound(make_token, issuer_http, monkeypatch):
    monkeypatch.setattr(validation, "_KNOWN_HEADERS", {})
    for n in range(validation.MAX_KNOWN_HEADERS + 5):
        validate_token(make_token(headers={"x-n": n}))
    assert 0 < len(validation._KNOWN_HEADERS) <= validation.MAX_KNOWN_HEADERS


def test_a_cached_token_hands_every_request_the_same_principal(make_token, issuer_http):
    token = make_token()
    auth = OAuthClientCredentialsAuthentication()
    request = Request(factory.get("/", HTTP_AUTHORIZATION=f"Bearer {token}"))
    first = auth.authenticate(request)
    second, third = auth.authenticate(request), auth.authenticate(request)  # cached from the second
    assert second[0] is third[0] and second[1] is third[1]
    principal, validated = first
    assert (principal.client_id, principal.scopes, principal.issuer) == (
        validated.client_id,
        validated.scopes,
        validated.issuer,
    )
    assert principal == second[0]


def careful(auth, header):
    try:
        return ("token", auth.read_authorization(header))
    except (InvalidRequest, InvalidToken) as exc:
        return (type(exc).__name__, str(exc.detail))


def quick(auth, header):
    try:
        return ("token", auth.get_token(Request(factory.get("/", HTTP_AUTHORIZATION=header))))
    except (InvalidRequest, InvalidToken) as exc:
        return (type(exc).__name__, str(exc.detail))


BEARERISH = st.sampled_from(["Bearer ", "bearer ", "Bearer", "Bearer  ", "Bearer\t", "Basic ", "", "Bearer ,"])
CREDENTIALS = st.text(alphabet='AZaz09-._~+/=, \t€"', max_size=30)


@given(BEARERISH, CREDENTIALS)
@example("Bearer ", "a" * 9000)  # over MAX_TOKEN_BYTES
@example("Bearer ", "abc ")
@example("Bearer ", "abc==")
def test_the_bearer_shortcut_answers_as_the_careful_parser(prefix, credentials):
    auth = OAuthClientCredentialsAuthentication()
    header = prefix + credentials
    assert quick(auth, header) == careful(auth, header)


def test_a_validated_token_and_its_principal_stay_frozen_dataclasses():
    """Their `__init__` writes the fields straight into the instance; everything else is the dataclass's."""
    claims = {"cnf": {"jkt": "thumbprint"}}
    validated = ValidatedToken(claims, "client-1", frozenset({"hello:read"}), "https://issuer", 2.0, "kid-1")
    assert validated.principal == ClientPrincipal("client-1", frozenset({"hello:read"}), "https://issuer", "thumbprint")
    assert validated == ValidatedToken(
        claims=claims,
        client_id="client-1",
        scopes=frozenset({"hello:read"}),
        issuer="https://issuer",
        expires_at=2.0,
        key_id="kid-1",
    )
    assert dataclasses.replace(validated, client_id="client-2").principal.client_id == "client-2"
    assert "thumbprint" not in repr(validated)  # the claims stay out of the repr
    for instance, name in ((validated, "client_id"), (validated.principal, "scopes")):
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(instance, name, "changed")
    with pytest.raises(AttributeError):
        parse_jwt("e30.e30.AAAA").claims = {}
