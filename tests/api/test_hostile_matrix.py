"""The hostile token and header matrix: each case gets the RFC 6750 status, error and challenge, never a 500."""

import base64
import time
from dataclasses import dataclass, field

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

from conftest import AUDIENCE, ISSUER, KID, b64url, claims_at, public_jwk, raw_token
from tests.support.challenges import RESOURCE_METADATA, parse_challenges

EVIL = "https://evil.test"


@dataclass
class Keys:
    issuer: rsa.RSAPrivateKey
    stranger: rsa.RSAPrivateKey
    weak: rsa.RSAPrivateKey
    ec: ec.EllipticCurvePrivateKey
    pss: rsa.RSAPrivateKey


@pytest.fixture(scope="module")
def keys(rsa_key) -> Keys:
    return Keys(
        issuer=rsa_key,
        stranger=rsa.generate_private_key(public_exponent=65537, key_size=2048),
        weak=rsa.generate_private_key(public_exponent=65537, key_size=1024),
        ec=ec.generate_private_key(ec.SECP256R1()),
        pss=rsa.generate_private_key(public_exponent=65537, key_size=2048),
    )


@pytest.fixture
def jwks(keys) -> dict:
    """The issuer publishes its key, plus keys a forger would love to abuse."""
    ec_jwk = jwt.algorithms.ECAlgorithm.to_jwk(keys.ec.public_key(), as_dict=True)
    return {
        "keys": [
            public_jwk(keys.issuer),
            public_jwk(keys.weak, kid="weak"),
            public_jwk(keys.pss, kid="pss", alg="PS256"),
            {**public_jwk(keys.stranger, kid="enc"), "use": "enc"},
            {**ec_jwk, "kid": "ec", "alg": "ES256", "use": "sig"},
            {"kty": "oct", "kid": "hmac", "k": b64url(b"shared-secret-" * 3)},
        ]
    }


@dataclass
class Case:
    """A request to `GET /` (or `POST /`) and what the contract says it gets."""

    status: int
    error: str
    build: object  # (keys, now) -> dict of request parts: header, query, data, method
    settings: dict = field(default_factory=dict)


def bearer(token_of):
    return lambda k, now: {"header": f"Bearer {token_of(k, now)}"}


def signed(header_extra: dict | None = None, alg: str = "RS256", key: str = "issuer", **claims):
    """A token with the default claims at `now` (overridden by `claims`), signed by `key`."""

    def build(k: Keys, now: float) -> str:
        header = {"alg": alg, "kid": KID, "typ": "at+jwt", **(header_extra or {})}
        header = {name: value for name, value in header.items() if value is not None}
        return raw_token(header, claims_at(now, **claims), getattr(k, key), alg)

    return build


def token(k, now):
    return signed()(k, now)


def edit(transform):
    """Apply `transform(header_b64, payload_b64, signature_b64)` to a good token."""
    return bearer(lambda k, now: ".".join(transform(*signed()(k, now).split("."))))


def hs256_with_public_key(k: Keys, now: float) -> str:
    # The classic algorithm confusion: HMAC keyed with the issuer's public key (RFC 8725 §2.1).
    pem = k.issuer.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    signing_input = f"{b64url({'alg': 'HS256', 'kid': KID, 'typ': 'JWT'})}.{b64url(claims_at(now))}"
    import hashlib
    import hmac

    return f"{signing_input}.{b64url(hmac.new(pem, signing_input.encode(), hashlib.sha256).digest())}"


def with_embedded_jwk(k: Keys, now: float) -> str:
    jwk = public_jwk(k.stranger)
    return raw_token({"alg": "RS256", "kid": KID, "jwk": jwk}, claims_at(now), k.stranger)


def id_token(k: Keys, now: float) -> str:
    claims = claims_at(now, aud=["client-1", AUDIENCE], nonce="n-0S6_WzA2Mj", auth_time=int(now), jti=None)
    return raw_token({"alg": "RS256", "kid": KID, "typ": "JWT"}, claims, k.issuer)


INVALID_REQUEST, INVALID_TOKEN, BARE = "invalid_request", "invalid_token", "unauthorized"

CASES = {
    # -- the Authorization header (RFC 6750 §2.1) ---------------------------------------
    "no credentials": Case(401, BARE, lambda k, now: {}),
    "empty header": Case(401, BARE, lambda k, now: {"header": ""}),
    "basic scheme": Case(401, BARE, lambda k, now: {"header": "Basic dXNlcjpwYXNz"}),
    "bearer without token": Case(400, INVALID_REQUEST, lambda k, now: {"header": "Bearer"}),
    "bearer and a space": Case(400, INVALID_REQUEST, lambda k, now: {"header": "Bearer "}),
    "two tokens": Case(400, INVALID_REQUEST, lambda k, now: {"header": f"Bearer {token(k, now)} {token(k, now)}"}),
    "non-ascii token": Case(400, INVALID_REQUEST, lambda k, now: {"header": "Bearer tok€n"}),
    "comma in token": Case(400, INVALID_REQUEST, lambda k, now: {"header": "Bearer a,b"}),
    "quoted token": Case(400, INVALID_REQUEST, lambda k, now: {"header": 'Bearer "quoted"'}),
    "tab after scheme": Case(400, INVALID_REQUEST, lambda k, now: {"header": f"Bearer\t{token(k, now)}"}),
    "header sent twice": Case(
        400, INVALID_REQUEST, lambda k, now: {"header": f"Bearer {token(k, now)}, Bearer {token(k, now)}"}
    ),
    "basic then bearer": Case(400, INVALID_REQUEST, lambda k, now: {"header": f"Basic eDp5, Bearer {token(k, now)}"}),
    "token in query only": Case(400, INVALID_REQUEST, lambda k, now: {"query": {"access_token": token(k, now)}}),
    "token in header and query": Case(
        400, INVALID_REQUEST, lambda k, now: {"header": f"Bearer {token(k, now)}", "query": {"access_token": "x"}}
    ),
    "token in header and body": Case(
        400,
        INVALID_REQUEST,
        lambda k, now: {"header": f"Bearer {token(k, now)}", "method": "post", "data": {"access_token": "x"}},
    ),
    "oversized token": Case(401, INVALID_TOKEN, lambda k, now: {"header": "Bearer " + "a" * 9000}),
    # -- the JWS serialization (RFC 7515 §7.1) ------------------------------------------
    "one segment": Case(401, INVALID_TOKEN, bearer(lambda k, now: "abc")),
    "two segments": Case(401, INVALID_TOKEN, bearer(lambda k, now: token(k, now).rsplit(".", 1)[0])),
    "four segments": Case(401, INVALID_TOKEN, bearer(lambda k, now: token(k, now) + ".abc")),
    "jwe with five segments": Case(401, INVALID_TOKEN, bearer(lambda k, now: "eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d")),
    "standard base64 not base64url": Case(401, INVALID_TOKEN, edit(lambda h, p, s: (h + "+/", p, s))),
    "base64 of impossible length": Case(401, INVALID_TOKEN, edit(lambda h, p, s: (h + "a", p, s))),
    "padding inside the token": Case(400, INVALID_REQUEST, edit(lambda h, p, s: (h + "==", p, s))),
    "padding after the signature": Case(401, INVALID_TOKEN, edit(lambda h, p, s: (h, p, s + "=="))),
    "header not json": Case(401, INVALID_TOKEN, edit(lambda h, p, s: (b64url("not json"), p, s))),
    "payload not json": Case(401, INVALID_TOKEN, edit(lambda h, p, s: (h, b64url("{'iss': 1}"), s))),
    "header is an array": Case(401, INVALID_TOKEN, edit(lambda h, p, s: (b64url([1, 2]), p, s))),
    "payload is a string": Case(401, INVALID_TOKEN, edit(lambda h, p, s: (h, b64url('"claims"'), s))),
    "payload not utf-8": Case(401, INVALID_TOKEN, edit(lambda h, p, s: (h, b64url(b"\xff\xfe{}"), s))),
    "duplicate alg in header": Case(
        401,
        INVALID_TOKEN,
        bearer(
            lambda k, now: raw_token(
                '{"alg":"RS256","kid":"' + KID + '","alg":"none"}', claims_at(now), k.issuer, "RS256"
            )
        ),
    ),
    "duplicate iss in payload": Case(
        401,
        INVALID_TOKEN,
        bearer(
            lambda k, now: raw_token(
                {"alg": "RS256", "kid": KID},
                f'{{"iss":"{EVIL}","iss":"{ISSUER}","aud":"{AUDIENCE}","exp":{int(now) + 600},"cid":"c"}}',
                k.issuer,
            )
        ),
    ),
    # RFC 8259 §8.2: an escaped half of a surrogate pair is not Unicode text, signed or not.
    "lone surrogate in a claim": Case(401, INVALID_TOKEN, bearer(signed(sub="\ud800"))),
    "lone surrogate in a scope": Case(401, INVALID_TOKEN, bearer(signed(scp=["hello:read", "\udc00"]))),
    "NaN expiry": Case(
        401,
        INVALID_TOKEN,
        bearer(lambda k, now: raw_token({"alg": "RS256", "kid": KID}, '{"iss":"' + ISSUER + '","exp":NaN}', k.issuer)),
    ),
    "stripped signature": Case(401, INVALID_TOKEN, edit(lambda h, p, s: (h, p, ""))),
    "truncated signature": Case(401, INVALID_TOKEN, edit(lambda h, p, s: (h, p, s[:-12]))),
    "flipped signature": Case(401, INVALID_TOKEN, edit(lambda h, p, s: (h, p, ("B" if s[0] == "A" else "A") + s[1:]))),
    "tampered payload": Case(
        401, INVALID_TOKEN, edit(lambda h, p, s: (h, b64url(claims_at(time.time(), cid="admin")), s))
    ),
    # -- algorithms (RFC 8725 §3.1) -------------------------------------------------------
    "alg none unsigned": Case(
        401, INVALID_TOKEN, bearer(lambda k, now: raw_token({"alg": "none", "kid": KID}, claims_at(now)))
    ),
    "alg none with signature": Case(
        401, INVALID_TOKEN, edit(lambda h, p, s: (b64url({"alg": "none", "kid": KID}), p, s))
    ),
    "alg NONE uppercase": Case(401, INVALID_TOKEN, edit(lambda h, p, s: (b64url({"alg": "NONE", "kid": KID}), p, s))),
    "alg missing": Case(401, INVALID_TOKEN, edit(lambda h, p, s: (b64url({"kid": KID}), p, s))),
    "alg not a string": Case(401, INVALID_TOKEN, edit(lambda h, p, s: (b64url({"alg": ["RS256"], "kid": KID}), p, s))),
    "HS256 keyed with the public key": Case(401, INVALID_TOKEN, bearer(hs256_with_public_key)),
    "HS256 with a published oct key": Case(
        401,
        INVALID_TOKEN,
        bearer(lambda k, now: raw_token({"alg": "HS256", "kid": "hmac"}, claims_at(now), b"shared-secret-" * 3)),
    ),
    "RS256 on a key bound to PS256": Case(401, INVALID_TOKEN, bearer(signed({"kid": "pss"}, key="pss"))),
    "ES256 header on an RSA key": Case(401, INVALID_TOKEN, bearer(signed({"alg": "ES256"}, alg="RS256"))),
    "RS256 header on the EC key": Case(
        401, INVALID_TOKEN, bearer(signed({"kid": "ec", "alg": "RS256"}, alg="ES256", key="ec"))
    ),
    "algorithm outside the allowlist": Case(401, INVALID_TOKEN, bearer(signed()), settings={"ALGORITHMS": ["ES256"]}),
    "weak RSA key is not published": Case(401, INVALID_TOKEN, bearer(signed({"kid": "weak"}, key="weak"))),
    "encryption key is not for signatures": Case(401, INVALID_TOKEN, bearer(signed({"kid": "enc"}, key="stranger"))),
    # -- key ids and keys a token points at (RFC 8725 §3.10) -------------------------------
    "kid missing": Case(401, INVALID_TOKEN, bearer(signed({"kid": None}))),
    "kid empty": Case(401, INVALID_TOKEN, bearer(signed({"kid": ""}))),
    "kid a number": Case(401, INVALID_TOKEN, bearer(signed({"kid": 1}))),
    "kid path traversal": Case(401, INVALID_TOKEN, bearer(signed({"kid": "../../../../dev/null"}))),
    "kid sql injection": Case(401, INVALID_TOKEN, bearer(signed({"kid": "x' OR '1'='1"}))),
    "kid with NUL": Case(401, INVALID_TOKEN, bearer(signed({"kid": "test-key-1\u0000"}))),
    "kid with newline": Case(401, INVALID_TOKEN, bearer(signed({"kid": "a\nb"}))),
    "kid too long": Case(401, INVALID_TOKEN, bearer(signed({"kid": "k" * 300}))),
    "kid unknown": Case(401, INVALID_TOKEN, bearer(signed({"kid": "rotated-away"}))),
    "jku pointing elsewhere": Case(
        401, INVALID_TOKEN, bearer(signed({"kid": "evil-1", "jku": f"{EVIL}/jwks"}, key="stranger"))
    ),
    "x5u pointing elsewhere": Case(
        401, INVALID_TOKEN, bearer(signed({"kid": "evil-1", "x5u": f"{EVIL}/cert.pem"}, key="stranger"))
    ),
    "jwk embedded with the same kid": Case(401, INVALID_TOKEN, bearer(with_embedded_jwk)),
    "x5c embedded": Case(
        401,
        INVALID_TOKEN,
        bearer(signed({"x5c": [base64.b64encode(b"not really a certificate").decode()]}, key="stranger")),
    ),
    "signed by another key with the same kid": Case(401, INVALID_TOKEN, bearer(signed(key="stranger"))),
    # -- header parameters -----------------------------------------------------------------
    "unknown crit": Case(401, INVALID_TOKEN, bearer(signed({"crit": ["exp"], "exp": 1}))),
    "crit b64 false": Case(401, INVALID_TOKEN, bearer(signed({"crit": ["b64"], "b64": False}))),
    "typ of another token": Case(401, INVALID_TOKEN, bearer(signed({"typ": "dpop+jwt"}))),
    "typ not a string": Case(401, INVALID_TOKEN, bearer(signed({"typ": 7}))),
    # -- time claims (RFC 7519 §4.1.4-4.1.6) -----------------------------------------------
    "expired": Case(401, INVALID_TOKEN, bearer(lambda k, now: signed(exp=int(now) - 3600)(k, now))),
    "expired beyond the leeway": Case(401, INVALID_TOKEN, bearer(lambda k, now: signed(exp=int(now) - 61)(k, now))),
    "nbf in the future": Case(401, INVALID_TOKEN, bearer(lambda k, now: signed(nbf=int(now) + 3600)(k, now))),
    "iat in the future": Case(401, INVALID_TOKEN, bearer(lambda k, now: signed(iat=int(now) + 3600)(k, now))),
    "exp missing": Case(401, INVALID_TOKEN, bearer(signed(exp=None))),
    "exp a numeric string": Case(401, INVALID_TOKEN, bearer(signed(exp="99999999999"))),
    "exp a boolean": Case(401, INVALID_TOKEN, bearer(signed(exp=True))),
    "nbf a string": Case(401, INVALID_TOKEN, bearer(signed(nbf="yesterday"))),
    "iat an array": Case(401, INVALID_TOKEN, bearer(signed(iat=[1]))),
    "older than the maximum age": Case(
        401,
        INVALID_TOKEN,
        bearer(lambda k, now: signed(iat=int(now) - 7200)(k, now)),
        settings={"MAX_TOKEN_AGE": 3600},
    ),
    # -- issuer (exact match, RFC 9068 §4) ---------------------------------------------------
    "another issuer": Case(401, INVALID_TOKEN, bearer(signed(iss=f"{EVIL}/oauth2/default"))),
    "issuer prefix": Case(401, INVALID_TOKEN, bearer(signed(iss="https://issuer.test/oauth2"))),
    "issuer suffix": Case(401, INVALID_TOKEN, bearer(signed(iss=ISSUER + ".evil.test"))),
    "issuer trailing slash": Case(401, INVALID_TOKEN, bearer(signed(iss=ISSUER + "/"))),
    "issuer other case": Case(401, INVALID_TOKEN, bearer(signed(iss=ISSUER.upper()))),
    "issuer as array": Case(401, INVALID_TOKEN, bearer(signed(iss=[ISSUER]))),
    "issuer missing": Case(401, INVALID_TOKEN, bearer(signed(iss=None))),
    # -- audience (RFC 7519 §4.1.3) ----------------------------------------------------------
    "wrong audience": Case(401, INVALID_TOKEN, bearer(signed(aud="api://other"))),
    "audience missing": Case(401, INVALID_TOKEN, bearer(signed(aud=None))),
    "audience list without ours": Case(401, INVALID_TOKEN, bearer(signed(aud=["api://a", "api://b"]))),
    "audience empty list": Case(401, INVALID_TOKEN, bearer(signed(aud=[]))),
    "audience a number": Case(401, INVALID_TOKEN, bearer(signed(aud=42))),
    "audience prefix": Case(401, INVALID_TOKEN, bearer(signed(aud=AUDIENCE + "x"))),
    # -- claim shapes ---------------------------------------------------------------------
    "no client claim": Case(401, INVALID_TOKEN, bearer(signed(cid=None))),
    "client claims disagree": Case(401, INVALID_TOKEN, bearer(signed(client_id="client-2"))),
    "client claim an array": Case(401, INVALID_TOKEN, bearer(signed(cid=["client-1"]))),
    "scope claim a number": Case(401, INVALID_TOKEN, bearer(signed(scp=5))),
    "scope array of objects": Case(401, INVALID_TOKEN, bearer(signed(scp=[{"a": 1}]))),
    # -- strict RFC 9068 mode ---------------------------------------------------------------
    "ID token in strict mode": Case(401, INVALID_TOKEN, bearer(id_token), settings={"STRICT_RFC9068": True}),
    "no typ in strict mode": Case(
        401, INVALID_TOKEN, bearer(signed({"typ": None}, client_id="client-1")), settings={"STRICT_RFC9068": True}
    ),
    "strict mode without jti": Case(
        401, INVALID_TOKEN, bearer(signed(client_id="client-1", jti=None)), settings={"STRICT_RFC9068": True}
    ),
    # -- a good token without the scope ----------------------------------------------------
    "missing scope": Case(403, "insufficient_scope", bearer(signed(scp=["other"]))),
}


def challenge_matches(response, case: Case) -> bool:
    header = response.get("WWW-Authenticate")
    if header is None:
        return False
    # The first challenge tells the error; on a 400 or 401 a DPoP one (the default policy
    # allows it) follows, while a 403's client has authenticated already.
    (scheme, params), *others = parse_challenges(header)
    if [name for name, _ in others] != (["DPoP"] if case.status in (400, 401) else []):
        return False
    # Every challenge names the metadata (RFC 9728 §5.1); a 401 also the scope a token needs.
    if scheme != "Bearer" or params.get("realm") != "api" or params.get("resource_metadata") != RESOURCE_METADATA:
        return False
    if case.status in (401, 403) and params.get("scope") != "hello:read":
        return False
    if case.error == BARE:
        return "error" not in params
    return params.get("error") == case.error and bool(params.get("error_description"))


@pytest.mark.parametrize("name", list(CASES))
def test_hostile_request(name, keys, api_client, issuer_http, settings, clock):
    case = CASES[name]
    settings.API_AUTH = {**settings.API_AUTH, **case.settings}
    parts = case.build(keys, clock.now)
    extra = {"HTTP_AUTHORIZATION": parts["header"]} if "header" in parts else {}
    method = getattr(api_client, parts.get("method", "get"))
    path = "/"
    if "query" in parts:
        path += "?" + "&".join(f"{key}={value}" for key, value in parts["query"].items())
    if "data" in parts:
        form = "&".join(f"{key}={value}" for key, value in parts["data"].items())
        content_type = "application/x-www-form-urlencoded"  # RFC 6750 §2.2
        response = method(path, data=form, content_type=content_type, HTTP_ACCEPT="application/json", **extra)
    else:
        response = method(path, HTTP_ACCEPT="application/json", **extra)

    assert response.status_code == case.status, response.content
    body = response.json()
    assert body["error"] == case.error
    assert body["error_description"]
    assert challenge_matches(response, case), response.get("WWW-Authenticate")
    for value in parts.values():
        if isinstance(value, str) and len(value) > 40:
            secret = value.removeprefix("Bearer ")
            assert secret not in response.content.decode()
            assert secret not in response.get("WWW-Authenticate", "")
    assert all(call.request.url.startswith("https://issuer.test/") for call in issuer_http.calls)


def test_matrix_has_sixty_cases():
    assert len(CASES) >= 60


def test_the_good_token_of_the_matrix_passes(keys, api_client, issuer_http, clock):
    """The builders make valid tokens unless told otherwise, so each case fails for its own reason."""
    response = api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {token(keys, clock.now)}")
    assert response.status_code == 200


def test_expired_within_leeway_passes(keys, api_client, issuer_http, clock):
    good = signed(exp=int(clock.now) - 30)(keys, clock.now)
    assert api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 200


def test_jku_is_never_fetched(keys, api_client, issuer_http, clock):
    forged = signed({"kid": "evil-1", "jku": f"{EVIL}/jwks"}, key="stranger")(keys, clock.now)
    issuer_http.get(f"{EVIL}/jwks", json={"keys": [public_jwk(keys.stranger, kid="evil-1")]})
    assert api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401
    assert not [call for call in issuer_http.calls if call.request.url.startswith(EVIL)]


def test_foreign_issuer_costs_no_request(keys, api_client, issuer_http, clock):
    forged = signed(iss=f"{EVIL}/oauth2/default", key="stranger")(keys, clock.now)
    assert api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {forged}").status_code == 401
    assert len(issuer_http.calls) == 0


@pytest.mark.parametrize("alg", ["ES256", "PS256"])
def test_other_key_types_verify(alg, keys, api_client, issuer_http, clock):
    kid, key = ("ec", "ec") if alg == "ES256" else ("pss", "pss")
    good = signed({"kid": kid, "alg": alg}, alg=alg, key=key)(keys, clock.now)
    assert api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 200


def test_strict_mode_accepts_an_rfc9068_token(keys, api_client, issuer_http, clock, settings):
    settings.API_AUTH = {**settings.API_AUTH, "STRICT_RFC9068": True}
    good = signed(client_id="client-1")(keys, clock.now)
    assert api_client.get("/", HTTP_AUTHORIZATION=f"Bearer {good}").status_code == 200
