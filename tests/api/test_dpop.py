"""DPoP at the API (RFC 9449 §7): bound tokens need their proof, every failure has its status, code and challenge."""

import base64

import pytest
from django.urls import path
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from api.conf import api_settings
from api.permissions import TokenHasScope
from ccproject.dpop_signer import DPoPKey
from tests.api.brokencache import DEAD_CACHES
from tests.support.challenges import DPOP_ALGS, parse_challenges
from tests.support.dpop import proof_claims, signed_proof


class WhoView(APIView):
    permission_classes = [IsAuthenticated, TokenHasScope]
    required_scopes = ["hello:read"]

    def get(self, request):
        return Response({"client": request.user.client_id, "jkt": request.user.jkt})

    def post(self, request):
        return Response("posted")


class RequiredView(WhoView):
    dpop = "required"


class DisabledView(WhoView):
    dpop = "disabled"


urlpatterns = [
    path("", WhoView.as_view()),
    path("required/", RequiredView.as_view()),
    path("disabled/", DisabledView.as_view()),
]


@pytest.fixture(autouse=True)
def _urls(settings, issuer_http):
    settings.ROOT_URLCONF = __name__


@pytest.fixture(scope="module")
def key() -> DPoPKey:
    return DPoPKey()


@pytest.fixture
def bound_token(make_token, key):
    return make_token(cnf={"jkt": key.thumbprint})


def call(api_client, token, proof=None, *, scheme="DPoP", url="/", method="get", **extra):
    headers = {"HTTP_ACCEPT": "application/json", "HTTP_AUTHORIZATION": f"{scheme} {token}", **extra}
    if proof is not None:
        headers["HTTP_DPOP"] = proof
    return getattr(api_client, method)(url, **headers)


def schemes(response) -> list[str]:
    return [scheme for scheme, _ in parse_challenges(response["WWW-Authenticate"])]


def assert_error(
    response, status: int, error: str, scheme: str = "DPoP", others: str | None = "Bearer", algs: str = DPOP_ALGS
) -> None:
    """The status, the body's code, and the challenge: the error under `scheme`, then the bare `others`.

    Every DPoP challenge, the one telling the error and a bare one, names the `algs` (RFC 9449 §7.1).
    """
    assert response.status_code == status, response.content
    assert response.json()["error"] == error
    (told, params), *rest = parse_challenges(response["WWW-Authenticate"])
    assert (told, params["realm"], params["error"]) == (scheme, "api", error), response["WWW-Authenticate"]
    assert params["error_description"]
    assert [name for name, _ in rest] == ([others] if others else [])
    for name, challenge in [(told, params), *rest]:
        assert challenge.get("algs") == (algs if name == "DPoP" else None), response["WWW-Authenticate"]
    for _, bare in rest:
        assert "error" not in bare


def test_a_bound_token_with_its_proof_is_accepted(api_client, key, bound_token):
    response = call(api_client, bound_token, key.proof("GET", "http://testserver/", access_token=bound_token))
    assert response.status_code == 200, response.content
    assert response.json() == {"client": "client-1", "jkt": key.thumbprint}


def test_the_proofs_normalised_htu_matches(api_client, key, bound_token):
    claims = proof_claims(url="HTTP://TestServer:80/./?query=ignored#fragment", token=bound_token)
    assert call(api_client, bound_token, signed_proof(key, claims)).status_code == 200


def test_a_bound_token_sent_as_bearer_is_refused(api_client, bound_token, key):
    proof = key.proof("GET", "http://testserver/", access_token=bound_token)
    for extra in ({}, {"HTTP_DPOP": proof}):
        response = call(api_client, bound_token, scheme="Bearer", **extra)
        assert_error(response, 401, "invalid_token", scheme="Bearer", others="DPoP")
        assert "DPoP" in response.json()["error_description"]


def test_a_replayed_proof_is_refused(api_client, key, bound_token):
    proof = key.proof("GET", "http://testserver/", access_token=bound_token)
    assert call(api_client, bound_token, proof).status_code == 200
    response = call(api_client, bound_token, proof)
    assert_error(response, 401, "invalid_dpop_proof")
    assert "used before" in response.json()["error_description"]


def test_an_unbound_token_is_refused_under_dpop(api_client, make_token, key):
    token = make_token()
    response = call(api_client, token, key.proof("GET", "http://testserver/", access_token=token))
    assert_error(response, 401, "invalid_token")
    assert call(api_client, token, scheme="Bearer").status_code == 200


def test_a_token_bound_to_another_key(api_client, make_token, key):
    token = make_token(cnf={"jkt": DPoPKey().thumbprint})
    assert_error(
        call(api_client, token, key.proof("GET", "http://testserver/", access_token=token)), 401, "invalid_token"
    )


def bad_proofs(key: DPoPKey, token: str) -> dict[str, str]:
    other = DPoPKey()
    good = proof_claims(token=token)
    return {
        "no proof": None,
        "empty proof": "",
        "two DPoP headers": key.proof("GET", "http://testserver/", access_token=token) + "," + key.proof("GET", "/"),
        "not a JWT": "not-a-jwt",
        "wrong htu": signed_proof(key, proof_claims(url="http://testserver/other/", token=token)),
        "wrong host": signed_proof(key, proof_claims(url="http://evil.test/", token=token)),
        "relative htu": signed_proof(key, proof_claims(url="/", token=token)),
        "wrong htm": signed_proof(key, proof_claims(method="POST", token=token)),
        "lower-case htm": signed_proof(key, proof_claims(method="get", token=token)),
        "no ath": signed_proof(key, proof_claims()),
        "ath of another token": signed_proof(key, proof_claims(token=token + "x")),
        "old iat": signed_proof(key, {**good, "iat": good["iat"] - 120}),
        "future iat": signed_proof(key, {**good, "iat": good["iat"] + 60}),
        "string iat": signed_proof(key, {**good, "iat": str(good["iat"])}),
        "no jti": signed_proof(key, {**good, "jti": None} and {k: v for k, v in good.items() if k != "jti"}),
        "huge jti": signed_proof(key, {**good, "jti": "j" * 300}),
        "typ JWT": signed_proof(key, good, typ="JWT"),
        "no typ": signed_proof(key, good, typ=None),
        "HS256": signed_proof(key, good, signing_key="s" * 32, algorithm="HS256"),
        "no jwk": signed_proof(key, good, jwk=None),
        "private jwk": signed_proof(key, good, jwk={**key.public_jwk, "d": "AAAA"}),
        "jwk of another key": signed_proof(key, good, jwk=other.public_jwk),
        "x5c header": signed_proof(key, good, x5c=["MIIB"]),
        "kid header": signed_proof(key, good, kid="k1"),
        "crit header": signed_proof(key, good, crit=["exp"]),
        "RSA jwk for ES256": signed_proof(key, good, jwk={"kty": "RSA", "n": "AQAB", "e": "AQAB"}),
        "P-384 jwk for ES256": signed_proof(key, good, jwk={**key.public_jwk, "crv": "P-384"}),
        "bad signature": key.proof("GET", "http://testserver/", access_token=token)[:-4] + "AAAA",
    }


@pytest.mark.parametrize("case", list(bad_proofs(DPoPKey(), "t")))
def test_every_bad_proof_is_401_invalid_dpop_proof(case, api_client, key, bound_token):
    proof = bad_proofs(key, bound_token)[case]
    response = call(api_client, bound_token, proof)
    assert_error(response, 401, "invalid_dpop_proof")
    body = response.content.decode()
    assert bound_token not in body and bound_token not in response["WWW-Authenticate"]
    if proof:
        assert proof not in body and proof not in response["WWW-Authenticate"]


def test_a_bad_proof_is_checked_before_the_token(api_client, key, make_token):
    response = call(api_client, "not.a.token", "garbage")
    assert_error(response, 401, "invalid_dpop_proof")


def test_a_malformed_dpop_header_is_400(api_client):
    for header in ("DPoP", "DPoP ", "DPoP a b", "DPoP\ttoken", "DPoP a,DPoP b"):
        response = api_client.get("/", HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION=header)
        assert response.status_code == 400, header
        assert response.json()["error"] == "invalid_request"


@pytest.mark.parametrize("header", ["DPoP", "DPoP ", "DPoP a b", "DPoP\ttoken", "dpop  a b", "DPoP a\x00b"])
def test_a_malformed_dpop_header_is_told_under_dpop_with_its_algs(api_client, header):
    response = api_client.get("/", HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION=header)
    assert_error(response, 400, "invalid_request")
    assert "a\x00b" not in response["WWW-Authenticate"] and "a\x00b" not in response.content.decode()


def test_a_dpop_token_over_the_size_cap_is_told_under_dpop_with_its_algs(api_client):
    token = "a" * (api_settings.MAX_TOKEN_BYTES + 1)
    response = api_client.get("/", HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION=f"DPoP {token}")
    assert_error(response, 401, "invalid_token")
    assert token not in response["WWW-Authenticate"] and token not in response.content.decode()


@pytest.mark.parametrize(
    "extra",
    [
        {"QUERY_STRING": "access_token=abc"},
        {"HTTP_AUTHORIZATION": "DPoP a,DPoP b"},
        {"HTTP_AUTHORIZATION": "Bearer a, Bearer b"},
        {"HTTP_AUTHORIZATION": "Bearer\ttoken"},
    ],
)
def test_a_view_that_requires_dpop_tells_a_malformed_request_under_dpop(api_client, extra):
    response = api_client.get("/required/", HTTP_ACCEPT="application/json", **extra)
    assert_error(response, 400, "invalid_request", others=None)


def test_a_malformed_request_under_both_schemes_is_told_under_bearer_beside_the_dpop_challenge(api_client):
    response = api_client.get("/?access_token=abc", HTTP_ACCEPT="application/json")
    assert_error(response, 400, "invalid_request", scheme="Bearer", others="DPoP")


def test_the_dpop_scheme_is_case_insensitive(api_client, key, bound_token):
    proof = key.proof("GET", "http://testserver/", access_token=bound_token)
    assert call(api_client, bound_token, proof, scheme="dpop").status_code == 200


def test_a_post_needs_a_post_proof(api_client, key, bound_token):
    get_proof = key.proof("GET", "http://testserver/", access_token=bound_token)
    assert_error(call(api_client, bound_token, get_proof, method="post"), 401, "invalid_dpop_proof")
    post_proof = key.proof("POST", "http://testserver/", access_token=bound_token)
    assert call(api_client, bound_token, post_proof, method="post").status_code == 200


def test_missing_scope_is_told_under_dpop(api_client, make_token, key):
    token = make_token(cnf={"jkt": key.thumbprint}, scp=["other"])
    response = call(api_client, token, key.proof("GET", "http://testserver/", access_token=token))
    assert response.status_code == 403
    (scheme, params), *_ = parse_challenges(response["WWW-Authenticate"])
    assert (scheme, params["error"], params["scope"]) == ("DPoP", "insufficient_scope", "hello:read")
    assert params["algs"] == DPOP_ALGS


# -- per-view policy -------------------------------------------------------------------------


def test_the_default_policy_offers_both_schemes(api_client):
    response = api_client.get("/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    challenges = parse_challenges(response["WWW-Authenticate"])
    assert [scheme for scheme, _ in challenges] == ["Bearer", "DPoP"]
    assert challenges[1][1]["algs"] == DPOP_ALGS
    assert all(params["scope"] == "hello:read" and "error" not in params for _, params in challenges)


def test_a_view_that_requires_dpop(api_client, make_token, key, bound_token):
    response = api_client.get("/required/", HTTP_ACCEPT="application/json")
    assert schemes(response) == ["DPoP"]
    token = make_token()
    response = call(api_client, token, scheme="Bearer", url="/required/")
    assert_error(response, 401, "invalid_token", others=None)
    proof = key.proof("GET", "http://testserver/required/", access_token=bound_token)
    assert call(api_client, bound_token, proof, url="/required/").status_code == 200


def test_a_view_with_dpop_disabled(api_client, make_token, key, bound_token):
    response = api_client.get("/disabled/", HTTP_ACCEPT="application/json")
    assert schemes(response) == ["Bearer"]
    proof = key.proof("GET", "http://testserver/disabled/", access_token=bound_token)
    response = call(api_client, bound_token, proof, url="/disabled/")
    assert response.status_code == 401
    assert schemes(response) == ["Bearer"] and "error" not in parse_challenges(response["WWW-Authenticate"])[0][1]
    assert_error(call(api_client, bound_token, scheme="Bearer", url="/disabled/"), 401, "invalid_token", "Bearer", None)
    assert call(api_client, make_token(), scheme="Bearer", url="/disabled/").status_code == 200


def test_the_global_default(api_client, settings, make_token):
    settings.API_AUTH = {**settings.API_AUTH, "DPOP": "required"}
    assert schemes(api_client.get("/", HTTP_ACCEPT="application/json")) == ["DPoP"]
    assert schemes(api_client.get("/disabled/", HTTP_ACCEPT="application/json")) == ["Bearer"]


def test_the_algorithm_setting_narrows_proofs_and_the_challenge(api_client, settings, key, bound_token):
    settings.API_AUTH = {**settings.API_AUTH, "DPOP_ALGORITHMS": ["EdDSA"]}
    response = call(api_client, bound_token, key.proof("GET", "http://testserver/", access_token=bound_token))
    assert_error(response, 401, "invalid_dpop_proof", algs="EdDSA")
    response = api_client.get("/", HTTP_ACCEPT="application/json", HTTP_AUTHORIZATION="DPoP a b")
    assert_error(response, 400, "invalid_request", algs="EdDSA")


# -- nonces ----------------------------------------------------------------------------------


def test_a_server_nonce_is_asked_for_then_accepted(api_client, settings, key, bound_token, clock):
    settings.API_AUTH = {**settings.API_AUTH, "DPOP_NONCE": True}
    response = call(api_client, bound_token, key.proof("GET", "http://testserver/", access_token=bound_token))
    assert_error(response, 401, "use_dpop_nonce")
    nonce = response["DPoP-Nonce"]
    proof = signed_proof(key, proof_claims(token=bound_token, nonce=nonce, iat=int(clock.now)))
    assert call(api_client, bound_token, proof).status_code == 200
    # A nonce outlives one rotation, not two.
    clock.advance(2 * 300 + 1)
    proof = signed_proof(key, proof_claims(token=bound_token, nonce=nonce, iat=int(clock.now)))
    response = call(api_client, bound_token, proof)
    assert_error(response, 401, "use_dpop_nonce")
    assert response["DPoP-Nonce"] != nonce


def test_a_forged_nonce_is_not_accepted(api_client, settings, key, bound_token):
    settings.API_AUTH = {**settings.API_AUTH, "DPOP_NONCE": True}
    nonce = call(api_client, bound_token, key.proof("GET", "http://testserver/", access_token=bound_token))[
        "DPoP-Nonce"
    ]
    window, _, mac = nonce.partition(".")
    for forged in (f"{int(window) + 1}.{mac}", f"{window}.{'A' * 24}", "²." + mac, "", "x" * 1000):
        response = call(api_client, bound_token, signed_proof(key, proof_claims(token=bound_token, nonce=forged)))
        assert_error(response, 401, "use_dpop_nonce")


# -- the replay store ------------------------------------------------------------------------


@pytest.mark.parametrize("backend", list(DEAD_CACHES))
def test_dpop_fails_closed_when_the_replay_cache_is_down_and_bearer_goes_on(
    backend, settings, api_client, key, bound_token, make_token
):
    settings.CACHES = {**settings.CACHES, "dead": DEAD_CACHES[backend]}
    settings.API_AUTH = {**settings.API_AUTH, "CACHE_ALIAS": "dead"}
    response = call(api_client, bound_token, key.proof("GET", "http://testserver/", access_token=bound_token))
    assert response.status_code == 503
    assert int(response["Retry-After"]) > 0
    assert response.json()["error"] == "temporarily_unavailable"
    assert call(api_client, make_token(), scheme="Bearer").status_code == 200


def test_one_cache_round_trip_per_dpop_request(api_client, key, bound_token, monkeypatch):
    from django.core.cache import caches

    calls = []
    backend = caches["default"]
    names = ("get", "set", "add", "start_add", "delete", "get_many", "set_many", "incr", "touch", "has_key")
    for name in filter(lambda name: hasattr(backend, name), names):
        original = getattr(backend, name)
        monkeypatch.setattr(backend, name, lambda *a, _o=original, _n=name, **k: calls.append(_n) or _o(*a, **k))
    call(api_client, bound_token, key.proof("GET", "http://testserver/", access_token=bound_token))  # keys fetched
    calls.clear()
    for _ in range(5):
        assert (
            call(api_client, bound_token, key.proof("GET", "http://testserver/", access_token=bound_token)).status_code
            == 200
        )
    # One replay question a request: asked after the checks (`add`) or, on Redis for a client seen
    # before, ahead of them (`start_add`).
    assert len(calls) == 5 and set(calls) <= {"add", "start_add"}, calls


# -- other confirmation methods --------------------------------------------------------------


@pytest.fixture(scope="module")
def client_certificate() -> tuple[str, str, str]:
    """A self-signed client certificate: its RFC 9440 header form, its URL-encoded PEM and `x5t#S256`."""
    import datetime
    import hashlib
    from urllib.parse import quote

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    private_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "client-1")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private_key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(private_key, hashes.SHA256())
    )
    der = certificate.public_bytes(serialization.Encoding.DER)
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    thumbprint = base64.urlsafe_b64encode(hashlib.sha256(der).digest()).rstrip(b"=").decode()
    return f":{base64.b64encode(der).decode()}:", quote(pem), thumbprint


@pytest.fixture
def mtls(settings):
    settings.API_AUTH = {
        **settings.API_AUTH,
        "MTLS_CERTIFICATE_HEADER": "Client-Cert",
        "MTLS_TRUSTED_PROXIES": ["127.0.0.0/8"],
    }


def test_a_certificate_bound_token_is_refused_without_mtls(api_client, make_token, client_certificate):
    header, _, thumbprint = client_certificate
    token = make_token(cnf={"x5t#S256": thumbprint})
    response = call(api_client, token, scheme="Bearer", HTTP_CLIENT_CERT=header)
    assert_error(response, 401, "invalid_token", scheme="Bearer", others="DPoP")


def test_a_certificate_bound_token_with_its_certificate_through_a_trusted_proxy(
    api_client, make_token, client_certificate, mtls
):
    header, pem, thumbprint = client_certificate
    token = make_token(cnf={"x5t#S256": thumbprint})
    assert call(api_client, token, scheme="Bearer", HTTP_CLIENT_CERT=header).status_code == 200
    assert call(api_client, token, scheme="Bearer", HTTP_CLIENT_CERT=pem).status_code == 200
    for refused in (
        {},  # no certificate
        {"HTTP_CLIENT_CERT": ":AAAA:"},  # not a certificate
        {"HTTP_CLIENT_CERT": header, "REMOTE_ADDR": "192.0.2.7"},  # not from the proxy
    ):
        assert_error(call(api_client, token, scheme="Bearer", **refused), 401, "invalid_token", "Bearer", "DPoP")
    other = make_token(cnf={"x5t#S256": "A" * 43})
    assert_error(
        call(api_client, other, scheme="Bearer", HTTP_CLIENT_CERT=header), 401, "invalid_token", "Bearer", "DPoP"
    )


@pytest.mark.parametrize("cnf", [{"kid": "k1"}, {"jwk": "x"}, "jkt", {}, {"jkt": 5}, [1]])
def test_unknown_or_malformed_confirmation_is_refused(api_client, make_token, cnf, mtls):
    token = make_token(cnf=cnf)
    assert_error(call(api_client, token, scheme="Bearer"), 401, "invalid_token", scheme="Bearer", others="DPoP")
