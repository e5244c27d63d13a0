"""Hostile input against the Authorization header parser and the token decoder (property tests).

Whatever arrives, the answer is the contract's 400 or 401 (200 only for a token whose claims
are exactly the ones a trusted key signed), never a 500; each example is bounded in time and
memory. `HYPOTHESIS_PROFILE=fuzz` turns the same properties into a long randomized fuzz run.
"""

import base64
import contextlib
import json

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from django.conf import settings
from django.core.cache import caches
from hypothesis import example, given
from hypothesis import strategies as st
from rest_framework.exceptions import APIException
from rest_framework.request import Request
from rest_framework.test import APIRequestFactory

from api.authentication import OAuthClientCredentialsAuthentication
from api.jwks import reset_key_sets
from conftest import ISSUER, KID
from tests.support.limits import bounded

SCHEMES = ["Bearer", "bearer", "BEARER", "BeArEr", "Basic", "Bearer\t", "Bearer\x00", "DPoP", "", "Bearer,"]
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
# Claims and headers with the right names and every wrong type or value.
claim_sets = st.fixed_dictionaries(
    {},
    optional={
        "iss": st.sampled_from([ISSUER, ISSUER + "/", "", None]) | json_values,
        "aud": st.sampled_from(["api://default", ["api://default"], []]) | json_values,
        "exp": st.integers(min_value=-(2**70), max_value=2**70) | json_values,
        "nbf": st.integers() | json_values,
        "iat": st.integers() | json_values,
        "cid": json_values,
        "scp": json_values,
    },
)
jose_headers = st.fixed_dictionaries(
    {},
    optional={
        "alg": st.sampled_from(["RS256", "none", "HS256", "ES256", "EdDSA", "rs256", ""]) | json_values,
        "kid": st.sampled_from([KID, "", "../../etc/passwd", "x" * 5000]) | json_values,
        "typ": st.sampled_from(["JWT", "at+jwt", "JWE"]) | json_values,
        "jku": st.just("http://127.0.0.1:9/keys"),
        "crit": json_values,
    },
)


@st.composite
def crafted_tokens(draw) -> str:
    """Three segments of attacker-chosen JSON, bytes or text, and a random signature."""
    header = draw(jose_headers | json_values)
    claims = draw(claim_sets | json_values)
    segment = st.one_of(
        st.builds(lambda v: b64(json.dumps(v).encode()), st.just(header)),
        st.binary(max_size=200).map(b64),
        st.text(alphabet=B64URL, max_size=200),
    )
    parts = [draw(segment), b64(json.dumps(claims).encode()), draw(st.binary(max_size=300).map(b64))]
    separator = draw(st.sampled_from([".", ".", "..", ""]))
    return separator.join(parts[: draw(st.integers(1, 4))])


# How to damage a real token: each op is (kind, position in [0, 1], text).
mutation_ops = st.lists(
    st.tuples(
        st.sampled_from(["replace", "insert", "delete", "truncate", "swap", "duplicate", "realg"]),
        st.floats(min_value=0, max_value=1),
        st.text(alphabet=B64URL + ".=+/ ", min_size=1, max_size=8),
    ),
    min_size=1,
    max_size=4,
)


def mutate(token: str, ops) -> str:
    for kind, where, text in ops:
        i = int(where * max(len(token) - 1, 0))
        if kind == "replace":
            token = token[:i] + text + token[i + len(text) :]
        elif kind == "insert":
            token = token[:i] + text + token[i:]
        elif kind == "delete":
            token = token[:i] + token[i + len(text) :]
        elif kind == "truncate":
            token = token[:i]
        elif kind == "swap":
            parts = token.split(".")
            token = ".".join(parts[1:2] + parts[:1] + parts[2:])
        elif kind == "duplicate":
            token = token + "." + token
        elif kind == "realg":  # keep the signature, claim another algorithm (RFC 8725 §2.1)
            parts = token.split(".")
            alg = ["none", "HS256", "RS512", "PS256"][i % 4]
            parts[0] = b64(json.dumps({"alg": alg, "kid": KID, "typ": "JWT"}).encode())
            token = ".".join(parts)
    return token


headers = st.one_of(
    st.text(max_size=300),
    st.binary(max_size=300).map(lambda raw: raw.decode("latin-1")),  # what a WSGI server hands over
    st.builds(lambda s, t: f"{s} {t}", st.sampled_from(SCHEMES), st.text(max_size=300)),
    st.builds(lambda s, t: f"{s} {t}", st.sampled_from(SCHEMES), crafted_tokens()),
    st.builds(lambda n, c: "Bearer " + c * n, st.integers(8_000, 1_000_000), st.sampled_from(["A", ".", "€", " "])),
)


def authenticate(header: str):
    """The authentication class on a bare request: the parser and the decoder, nothing else."""
    request = Request(APIRequestFactory().get("/", HTTP_AUTHORIZATION=header))
    return OAuthClientCredentialsAuthentication().authenticate(request)


def assert_contract(header: str) -> None:
    try:
        result = authenticate(header)
    except APIException as exc:
        assert exc.status_code in (400, 401), (exc.status_code, exc.detail)
        assert exc.get_codes() in ("invalid_request", "invalid_token", "invalid_dpop_proof")
        assert exc.auth_header.startswith(('Bearer realm="api", error=', 'DPoP realm="api", error='))
        return
    # Only a header without bearer credentials gets through unauthenticated.
    assert result is None, "a hostile header authenticated"


@given(header=headers)
@example(header="Bearer " + "A" * 9000)
@example(header="Bearer a.b.c")
@example(header="Bearer ...")
@example(header="Bearer eyJhbGciOiJub25lIn0.e30.")
def test_any_header_gets_the_contracts_answer(header, issuer_http):
    with bounded(seconds=10):
        assert_contract(header)


@given(ops=mutation_ops)
def test_mutated_real_tokens_are_refused_unless_the_signed_claims_survive(ops, make_token, issuer_http):
    token = make_token()
    original = json.loads(base64.urlsafe_b64decode(token.split(".")[1] + "=="))
    mutated = mutate(token, ops)
    with bounded(seconds=10):
        try:
            result = authenticate(f"Bearer {mutated}")
        except APIException as exc:
            assert exc.status_code in (400, 401)
            return
    if result is not None:
        # Base64 slack (padding bits, RFC 4648 §3.5) can leave the signed bytes unchanged:
        # then, and only then, the token may pass, with exactly the claims that were signed.
        assert result[1].claims == original


def sign_rs256(header: dict, claims: dict, key) -> str:
    """RFC 7515 §5.1 by hand: PyJWT refuses to encode the odd headers these tests need."""
    signing_input = f"{b64(json.dumps(header).encode())}.{b64(json.dumps(claims).encode())}"
    signature = key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
    return f"{signing_input}.{b64(signature)}"


hostile_header_fields = st.dictionaries(
    st.sampled_from(["kid", "typ", "crit", "jku", "x5u", "jwk", "cty", "b64"]), json_values, max_size=3
) | st.fixed_dictionaries({"kid": st.text(min_size=1, max_size=10_000)})


@given(header_fields=hostile_header_fields, claims=claim_sets, extra=st.dictionaries(st.text(max_size=10), json_values))
@example(header_fields={"kid": "x" * 5000}, claims={}, extra={})
@example(header_fields={"crit": ["exp"]}, claims={}, extra={})
@example(header_fields={}, claims={"exp": 2**64, "nbf": -(2**64)}, extra={})
def test_tokens_signed_by_the_trusted_key_with_hostile_fields(header_fields, claims, extra, rsa_key, issuer_http):
    """A real signature over odd headers and claims (a compromised or buggy issuer): still no 500."""
    valid = {"iss": ISSUER, "aud": "api://default", "exp": 4_102_444_800, "cid": "client-1", "scp": ["hello:read"]}
    token = sign_rs256({"alg": "RS256", "kid": KID, **header_fields}, {**valid, **extra, **claims}, rsa_key)
    with bounded(seconds=10):
        try:
            result = authenticate(f"Bearer {token}")
        except APIException as exc:
            assert exc.status_code in (400, 401), (exc.status_code, exc.detail)
            return
    principal, validated = result
    assert isinstance(principal.client_id, str)
    assert all(isinstance(scope, str) for scope in validated.scopes)


@given(header=headers)
def test_the_http_stack_never_answers_500(header, api_client, issuer_http):
    with bounded(seconds=10):
        response = api_client.get("/", HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION=header)
    assert response.status_code in (400, 401), response.status_code
    body = response.json()
    assert set(body) == {"error", "error_description"}
    assert response["WWW-Authenticate"].startswith(('Bearer realm="api"', 'DPoP realm="api"'))
    credentials = header.partition(" ")[2].strip()
    if len(credentials) >= 16:
        assert credentials not in response.content.decode("utf-8", "replace")
        assert credentials not in response["WWW-Authenticate"]


@given(ops=mutation_ops)
def test_mutated_tokens_never_cost_a_request_to_the_issuer_beyond_the_cooldown(ops, make_token, issuer_http, clock):
    """A flood of forged tokens refetches the key set at most once per cooldown (warm-up excluded).

    Each example starts cold (no keys anywhere) at a frozen clock, so examples do not depend
    on one another or on how long the run has lasted.
    """
    for alias in settings.CACHES:
        caches[alias].clear()
    reset_key_sets()
    now = int(clock.now)
    authenticate(f"Bearer {make_token(iat=now, exp=now + 3600)}")  # warm-up
    before = len(issuer_http.calls)
    for _ in range(3):
        with contextlib.suppress(APIException):
            authenticate(f"Bearer {mutate(make_token(iat=now, exp=now + 3600), ops)}")
    assert len(issuer_http.calls) - before <= 1
