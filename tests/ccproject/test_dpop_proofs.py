"""The shared DPoP proof check (RFC 9449 §4.3), the htu normal form and stateless nonces, without requests."""

import base64
import json
import time

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import example, given
from hypothesis import strategies as st

from ccproject import dpop
from ccproject.dpop import NonceRequired, ProofError, ProofRules, check_proof, jwk_thumbprint
from ccproject.dpop_signer import DPoPKey
from ccproject.htu import normalize_htu
from ccproject.nonces import NonceSource
from tests.api.test_hostile_input import json_values
from tests.support.dpop import proof_claims, signed_proof
from tests.support.limits import bounded

URL = "https://api.example/orders"
RULES = ProofRules(algorithms=frozenset(dpop.PROOF_ALGORITHMS))


def check(proof: str, **kwargs):
    options = {"method": "GET", "url": URL, "rules": RULES, "now": time.time(), **kwargs}
    return check_proof(proof, **options)


class OtherKey(DPoPKey):
    """A DPoPKey of another algorithm: the same proofs, signed by RSA, RSA-PSS, EdDSA or another curve."""

    def __init__(self, private_key, algorithm: str):
        self.private_key, self.algorithm, self.timer = private_key, algorithm, time.time
        jwk = json.loads(jwt.algorithms.get_default_algorithms()[algorithm].to_jwk(private_key.public_key()))
        self.public_jwk = {k: v for k, v in jwk.items() if k in ("kty", "crv", "x", "y", "n", "e")}
        self.thumbprint = jwk_thumbprint(self.public_jwk)


@pytest.mark.parametrize(
    ("algorithm", "make_key"),
    [
        ("ES256", lambda: ec.generate_private_key(ec.SECP256R1())),
        ("ES384", lambda: ec.generate_private_key(ec.SECP384R1())),
        ("ES512", lambda: ec.generate_private_key(ec.SECP521R1())),
        ("RS256", lambda: rsa.generate_private_key(65537, 2048)),
        ("PS256", lambda: rsa.generate_private_key(65537, 2048)),
        ("PS512", lambda: rsa.generate_private_key(65537, 3072)),
        ("EdDSA", ed25519.Ed25519PrivateKey.generate),
    ],
)
def test_every_algorithm_verifies_and_names_its_thumbprint(algorithm, make_key):
    key = OtherKey(make_key(), algorithm)
    proof = key.proof("GET", URL, access_token="token")
    checked = check(proof, access_token="token")
    assert (checked.thumbprint, checked.algorithm) == (key.thumbprint, algorithm)
    checked = check(proof, access_token="token")  # the second time from the known keys
    assert checked.thumbprint == key.thumbprint
    with pytest.raises(ProofError, match="algorithm"):
        check(proof, access_token="token", rules=ProofRules(algorithms=frozenset({"ES256"} - {algorithm}) or {"ES384"}))


# Signing the attacker's proof with a 1024-bit key is the point: PyJWT's warning about it is expected.
@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
def test_a_weak_rsa_key_is_refused():
    key = OtherKey(rsa.generate_private_key(65537, 1024), "RS256")
    with pytest.raises(ProofError, match="2048"):
        check(key.proof("GET", URL))


def test_rfc7638_thumbprint_example():
    # RFC 7638 §3.1's example key and thumbprint.
    jwk = {
        "kty": "RSA",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjB"
            "ZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8K"
            "JZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_x"
            "BniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw"
        ),
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_ath_and_nonce():
    key = DPoPKey()
    with pytest.raises(ProofError, match="ath"):
        check(key.proof("GET", URL), access_token="token")
    assert check(key.proof("GET", URL)).nonce is None
    with pytest.raises(NonceRequired):
        check(key.proof("GET", URL), nonce_is_valid=lambda nonce: True)
    with pytest.raises(NonceRequired):
        check(key.proof("GET", URL, nonce="stale"), nonce_is_valid=lambda nonce: nonce == "fresh")
    assert check(key.proof("GET", URL, nonce="fresh"), nonce_is_valid=lambda nonce: nonce == "fresh").nonce == "fresh"


def test_the_iat_window_has_leeway_both_ways():
    key, now = DPoPKey(), time.time()
    for iat in (now - 64, now + 4):
        assert check(signed_proof(key, proof_claims(url=URL, iat=iat)), now=now)
    for iat in (now - 66, now + 6):
        with pytest.raises(ProofError, match="iat"):
            check(signed_proof(key, proof_claims(url=URL, iat=iat)), now=now)
    assert RULES.replay_window == 70


def test_duplicate_members_are_refused():
    key = DPoPKey()
    proof = signed_proof(key, proof_claims(url=URL))
    header, _, signature = proof.split(".")
    body = base64.urlsafe_b64encode(b'{"htu":"%s","htu":"https://evil.example/","htm":"GET"}' % URL.encode())
    with pytest.raises(ProofError):
        check(f"{header}.{body.decode().rstrip('=')}.{signature}")


def test_a_lone_surrogate_in_a_signed_proof_is_refused():
    key = DPoPKey()
    assert check(signed_proof(key, {**proof_claims(url=URL), "nonce": "\U0001f600"}))  # sent as an escaped pair
    with pytest.raises(ProofError, match="not base64url-encoded JSON"):
        check(signed_proof(key, {**proof_claims(url=URL), "nonce": "\ud800"}))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://API.example:443/orders", URL),
        ("https://api.example/a/../orders?x=1#y", URL),
        ("https://api.example/%6Frders", URL),
        ("http://[::1]:80/", "http://[::1]/"),
    ],
)
def test_htu_normal_form_matches(a, b):
    assert normalize_htu(a) == normalize_htu(b) is not None


@pytest.mark.parametrize(
    "url",
    ["/orders", "ftp://api.example/", "https://user@api.example/", "https://api.example:99999/", "http://[::1/", ""],
)
def test_htu_that_is_no_absolute_http_uri_never_matches(url):
    assert normalize_htu(url) is None


def test_nonces_rotate_and_are_specific_to_their_salt():
    api, issuer = NonceSource("api", lifetime=300, secret="s"), NonceSource("issuer", lifetime=300, secret="s")
    now = 1_000_000.0
    nonce = api.current(now)
    assert api.is_valid(nonce, now) and api.is_valid(nonce, now + 300)
    assert not api.is_valid(nonce, now + 600)
    assert not issuer.is_valid(nonce, now)
    assert not NonceSource("api", lifetime=300, secret="other").is_valid(nonce, now)
    assert NonceSource("api", lifetime=300, secret="s").is_valid(nonce, now), "another host accepts it"


# -- hostile proofs ----------------------------------------------------------------------------

HEADER_MEMBERS = st.fixed_dictionaries(
    {},
    optional={
        "typ": st.sampled_from(["dpop+jwt", "JWT", "DPOP+JWT", None]) | json_values,
        "alg": st.sampled_from(["ES256", "RS256", "none", "HS256", "EdDSA"]) | json_values,
        "jwk": json_values,
        "crit": json_values,
        "x5c": st.lists(st.text(max_size=40), max_size=3),
        "kid": json_values,
    },
)
CLAIMS = st.dictionaries(st.sampled_from(["jti", "htm", "htu", "iat", "ath", "nonce", "exp"]), json_values, max_size=7)


def segment(value) -> str:
    raw = value if isinstance(value, bytes) else json.dumps(value).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def assert_refused_cleanly(proof: str) -> None:
    with bounded(seconds=10):
        try:
            check(proof, access_token="token")
        except ProofError as exc:
            assert exc.description and "Traceback" not in exc.description
            return
    raise AssertionError("a hostile proof was accepted")


@given(header=HEADER_MEMBERS, claims=CLAIMS, signature=st.binary(max_size=140))
def test_random_headers_and_claims_are_refused_cleanly(header, claims, signature):
    assert_refused_cleanly(f"{segment(header)}.{segment(claims)}.{segment(signature)}")


@given(
    jwk=st.fixed_dictionaries(
        {"kty": st.sampled_from(["EC", "RSA", "OKP", "oct"]) | json_values},
        optional={
            "crv": st.sampled_from(["P-256", "P-384", "P-521", "secp256k1", "Ed25519", "X25519"]) | json_values,
            "x": st.binary(max_size=80).map(segment) | json_values,
            "y": st.binary(max_size=80).map(segment) | json_values,
            "n": st.binary(max_size=1100).map(segment) | json_values,
            "e": st.sampled_from(["AQAB", "Aw", "AA", "", "AQAB="]) | json_values,
            "d": st.text(max_size=10),
        },
    ),
    alg=st.sampled_from(["ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA"]),
)
@example(jwk={"kty": "EC", "x": []}, alg="ES256")
@example(jwk={"kty": "RSA", "n": {}, "e": 3}, alg="RS256")
@example(jwk={"kty": "OKP", "crv": "Ed25519", "x": None}, alg="EdDSA")
def test_hostile_keys_are_refused_cleanly(jwk, alg):
    key = DPoPKey()
    header = {"typ": "dpop+jwt", "alg": alg, "jwk": jwk}
    # Signed by an unrelated key: a hostile key must be refused before or at the signature.
    parts = key.proof("GET", URL, access_token="token").split(".")
    assert_refused_cleanly(f"{segment(header)}.{parts[1]}.{parts[2]}")


@given(st.sampled_from(["header", "claims", "signature"]), st.sampled_from(["A", "\u20ac", ".", "\x00", "{"]))
@example("header", "A")
def test_huge_values_are_refused_without_work(where, filler):
    key = DPoPKey()
    good = key.proof("GET", URL, access_token="token").split(".")
    huge = filler * 1_000_000
    parts = {"header": [huge, good[1], good[2]], "claims": [good[0], huge, good[2]], "signature": [*good[:2], huge]}
    assert_refused_cleanly(".".join(parts[where]))


@pytest.mark.parametrize(
    "raw",
    [
        b"not json",
        b"[1,2]",
        b'{"a":' * 100_000,
        b'{"typ":"dpop+jwt","alg":"ES256","jwk":{"kty":"EC","crv":"P-256","x":NaN}}',
        "\ud800".encode("utf-8", "surrogatepass"),
        b"\xff\xfe",
    ],
)
def test_non_json_headers_are_refused_cleanly(raw):
    assert_refused_cleanly(f"{segment(raw)}.{segment({'htm': 'GET'})}.AAAA")


def test_a_wrong_curve_point_is_refused():
    key = DPoPKey()
    jwk = {**key.public_jwk, "y": key.public_jwk["x"]}  # (x, x) is not on P-256
    assert_refused_cleanly(signed_proof(key, proof_claims(url=URL, token="token"), jwk=jwk))


def test_known_proof_id_names_only_proofs_of_a_key_that_signed_a_good_proof():
    key = DPoPKey()
    first = key.proof("GET", URL)
    assert dpop.known_proof_id(first) is None, "a key never seen"
    check(first)
    later = key.proof("GET", URL)
    assert dpop.known_proof_id(later) == (key.thumbprint, jwt.decode(later, options={"verify_signature": False})["jti"])
    head = later.partition(".")[0]
    for bad in (
        f"{head}.!!!.sig",
        f"{head}.{base64.urlsafe_b64encode(b'[1]').decode()}.sig",
        f"{head}.{base64.urlsafe_b64encode(json.dumps({'jti': 7}).encode()).decode()}.sig",
        f"{head}.{base64.urlsafe_b64encode(json.dumps({'jti': 'x' * 257}).encode()).decode()}.sig",
        head + "." + "x" * dpop.MAX_PROOF_BYTES,
        None,
    ):
        assert dpop.known_proof_id(bad) is None
    # A forged signature under a known header still names its pair (nothing is checked here);
    # check_proof refuses it, and the caller uses an answer only for the proof check_proof returns.
    forged = later.rpartition(".")[0] + ".AAAA"
    assert dpop.known_proof_id(forged) is not None
    with pytest.raises(ProofError):
        check(forged)
