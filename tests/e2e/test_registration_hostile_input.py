"""Hostile payloads on `POST /register/` over real HTTP, with the embedded Okta Apps API as the provider.

A client holding `clients:register hello:read` (a real token from the embedded issuer) sends
whatever a hostile or broken caller might. The answer is 201 for a registration the rules allow,
and otherwise a clear 400 (413, 415; 403 for a scope its own token does not carry) with
`{"error", "error_description"}`, never a 5xx; a refused request creates no client at the
provider and writes no row. The property tests carry their own oracle of the rules, so a rule
that changes on one side only fails them.
"""

import json
import string

import pytest
import requests
from hypothesis import example, given
from hypothesis import strategies as st

from authserver.models import Client
from authserver.service_clients import create_service_client
from ccproject.scopes import SCOPE_TOKEN
from registration.models import RegisteredClient
from tests.support.tokens import client_credentials_token

from .test_registration_flow import embedded, staff_session  # noqa: F401 (the live server: issuer, API, provider)

pytestmark = pytest.mark.e2e

MAX_LABEL, MAX_SCOPES = 100, 50
OK_BODY = {"label": "Hostile test app", "scopes": ["hello:read"]}


class Registrar:
    """Posts to /register/ with a bearer token and checks what the provider and the database gained."""

    def __init__(self, base: str, token: str):
        self.url = f"{base}/register/"
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"

    def post(self, **kwargs) -> requests.Response:
        return self.session.post(self.url, timeout=60, **kwargs)

    @staticmethod
    def counts() -> tuple[int, int]:
        return Client.objects.count(), RegisteredClient.objects.count()

    def expect(self, status: int, error: str | None = None, **kwargs) -> dict:
        """Send one request; assert its status, the error contract and what was created (one client or none)."""
        before = self.counts()
        response = self.post(**kwargs)
        assert response.status_code < 500, response.text[:500]
        assert response.status_code == status, response.text[:500]
        body = response.json()
        apps, rows = self.counts()
        if status == 201:
            assert (apps, rows) == (before[0] + 1, before[1] + 1)
            row = RegisteredClient.objects.get(client_id=body["client_id"])
            assert row.status == "active" and row.label == body["label"]
            assert Client.objects.filter(client_id=body["client_id"], name=body["label"]).exists()
        else:
            assert {"error", "error_description"} <= set(body), body
            assert isinstance(body["error"], str) and isinstance(body["error_description"], str)
            assert body["error_description"]
            if error:
                assert body["error"] == error, body
            assert (apps, rows) == before, "a refused registration created something"
        return body


@pytest.fixture
def registrar(embedded) -> Registrar:  # noqa: F811
    _, secret = create_service_client(
        label="hostile registrar", scopes=["clients:register", "hello:read"], client_id="hostile-registrar"
    )
    token = client_credentials_token(
        f"{embedded}/oauth2/default", "hostile-registrar", secret, "clients:register hello:read"
    )
    return Registrar(embedded, token)


def raw(text: str) -> dict:
    """A body sent byte for byte as JSON (for escapes `json.dumps` would not produce)."""
    return {"data": text.encode(), "headers": {"Content-Type": "application/json"}}


# --- property tests: every outcome against an oracle of the rules ---

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=12,
)
hostile_text = st.sampled_from(
    [
        "\u202eevil",  # right-to-left override
        "a\u200bb",  # zero-width space
        "\ufeffbom",
        "שלום עולם",
        "مرحبا",
        "🚀 rocket",
        "\U0001f468\u200d\U0001f469\u200d\U0001f467",  # a ZWJ emoji sequence
        "x\r\nSet-Cookie: a=b",
        "'; DROP TABLE registration_registeredclient; --",
        "<script>alert(1)</script>",
        '{"scopes": ["clients:manage"]}',
        "a\x00b",
        " ",
        "\t\n",
        "A" * MAX_LABEL,
        "A" * (MAX_LABEL + 1),
        " " + "A" * MAX_LABEL + " ",
    ]
)


def label_allowed(label) -> bool:
    if not isinstance(label, str):
        return False
    cleaned = label.strip()
    return 0 < len(cleaned) <= MAX_LABEL and cleaned.isprintable()


@given(label=st.text() | hostile_text | json_values)
@example(label="A" * 1_000_000)
def test_any_label(registrar, label):
    body = registrar.expect(201 if label_allowed(label) else 400, json={"label": label, "scopes": ["hello:read"]})
    if label_allowed(label):
        assert body["label"] == label.strip()


KNOWN_SCOPES = ["hello:read", "clients:register"]
scope_names = st.sampled_from([*KNOWN_SCOPES, "nope:read", "", "a b", "x\x00", "é", "\"'", "s" * 300]) | st.text(
    alphabet=string.printable, max_size=12
)


def scopes_outcome(scopes) -> tuple[int, str | None]:
    if isinstance(scopes, str):
        scopes = scopes.split()
    if not isinstance(scopes, list) or not all(isinstance(scope, str) for scope in scopes):
        return 400, "invalid_request"
    cleaned = list(dict.fromkeys(scopes))
    if not cleaned or len(cleaned) > MAX_SCOPES or not all(SCOPE_TOKEN.fullmatch(scope) for scope in cleaned):
        return 400, "invalid_request"
    if not set(cleaned) <= set(KNOWN_SCOPES):
        return 403, "insufficient_scope"  # a bearer caller grants only the scopes its token carries
    return 201, None


@given(scopes=st.lists(scope_names, max_size=8) | st.lists(st.sampled_from(KNOWN_SCOPES), max_size=200) | json_values)
@example(scopes=["nope:read"])
@example(scopes="hello:read clients:register")
def test_any_scopes(registrar, scopes):
    status, error = scopes_outcome(scopes)
    body = registrar.expect(status, error, json={"label": "Scope test", "scopes": scopes})
    if status == 201:
        wanted = scopes.split() if isinstance(scopes, str) else scopes
        assert body["scopes"] == list(dict.fromkeys(wanted))


@given(body=json_values | st.dictionaries(st.sampled_from(["label", "scopes", "client_id", "status"]), json_values))
def test_any_json_document(registrar, body):
    label_ok = isinstance(body, dict) and label_allowed(body.get("label"))
    scopes_status = scopes_outcome(body["scopes"])[0] if isinstance(body, dict) and "scopes" in body else 400
    registrar.expect(scopes_status if label_ok else 400, json=body)


# --- explicit cases ---

DEEP = 100_000


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        # Types
        *[({"json": {"label": label, "scopes": ["hello:read"]}}, 400, "invalid_request")
          for label in (123, 1.5, True, None, [], ["a"], {}, {"label": "x"})],
        *[({"json": {"label": "Typed", "scopes": scopes}}, 400, "invalid_request")
          for scopes in (1, True, None, {}, {"hello:read": True}, [1], [None], [["hello:read"]], "", [], "   ")],
        ({"json": {"scopes": ["hello:read"]}}, 400, "invalid_request"),
        ({"json": {"label": "No scopes"}}, 400, "invalid_request"),
        # Scopes the provider does not know, that the caller may not grant, too many
        ({"json": {"label": "Unknown", "scopes": ["nope:read"]}}, 403, "insufficient_scope"),
        ({"json": {"label": "Escalate", "scopes": ["clients:manage"]}}, 403, "insufficient_scope"),
        ({"json": {"label": "Many", "scopes": [f"s{i}" for i in range(MAX_SCOPES + 1)]}}, 400, "invalid_request"),
        ({"json": {"label": "Huge list", "scopes": [f"s{i}" for i in range(100_000)]}}, 400, "invalid_request"),
        # Unicode through JSON escapes: lone surrogates, NUL, bidi and zero-width controls
        (raw('{"label": "\\ud800", "scopes": ["hello:read"]}'), 400, "invalid_request"),
        (raw('{"label": "a\\udfffb", "scopes": ["hello:read"]}'), 400, "invalid_request"),
        (raw('{"label": "a\\u0000b", "scopes": ["hello:read"]}'), 400, "invalid_request"),
        (raw('{"label": "\\u202egnp.exe", "scopes": ["hello:read"]}'), 400, "invalid_request"),
        (raw('{"label": "Hello", "scopes": ["hello:read\\u0000"]}'), 400, "invalid_request"),
        # Not JSON, or not the JSON asked for
        (raw("not json"), 400, "parse_error"),
        (raw('{"label": "x", "scopes": ["hello:read"]'), 400, "parse_error"),
        (raw('{"label": NaN, "scopes": ["hello:read"]}'), 400, "parse_error"),
        ({"data": b"\xff\xfe\x00{", "headers": {"Content-Type": "application/json"}}, 400, "parse_error"),
        (raw('["label", "scopes"]'), 400, "invalid_request"),
        (raw('"Hostile"'), 400, "invalid_request"),
        (raw("null"), 400, "invalid_request"),
        (raw(""), 400, "invalid_request"),
        (raw("[" * DEEP + "]" * DEEP), 400, "parse_error"),
        (raw('{"label": ' + "{" * DEEP + "}" * DEEP + ', "scopes": ["hello:read"]}'), 400, "parse_error"),
        # Past the parser's depth bound (ccproject.json_body.MAX_DEPTH) though the json module could read it
        (raw('{"label": ' + '{"a":' * 500 + "1" + "}" * 500 + ', "scopes": ["hello:read"]}'), 400, "parse_error"),
        (raw('{"label": ' + '{"a":' * 20 + "1" + "}" * 20 + ', "scopes": ["hello:read"]}'), 400, "invalid_request"),
        # Wrong content types
        ({"data": json.dumps(OK_BODY), "headers": {"Content-Type": "text/plain"}}, 415, "unsupported_media_type"),
        ({"data": "<label>x</label>", "headers": {"Content-Type": "application/xml"}}, 415, "unsupported_media_type"),
        ({"data": json.dumps(OK_BODY).encode(), "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
         400, "invalid_request"),
        ({"data": json.dumps(OK_BODY).encode("utf-16"), "headers": {"Content-Type": "application/json"}},
         400, "parse_error"),
        # Oversized: refused from the declared length, before the body is read
        ({"data": b'{"label": "' + b"A" * 3_000_000 + b'"}', "headers": {"Content-Type": "application/json"}},
         413, "request_too_large"),
        ({"data": {"label": "A" * 3_000_000, "scopes": "hello:read"}}, 413, "request_too_large"),
    ],
)  # fmt: skip
def test_hostile_request_is_refused_cleanly(registrar, kwargs, status, error):
    registrar.expect(status, error, **kwargs)


@pytest.mark.parametrize(
    "label",
    [
        "'; DROP TABLE registration_registeredclient; --",
        "Robert'); DELETE FROM authserver_client; --",
        "<script>alert(1)</script>",
        '{"client_id": "admin", "scopes": ["clients:manage"]}',
        "שלום עולם",
        "🚀 rocket",
        "A" * MAX_LABEL,
    ],
)
def test_injection_strings_are_only_labels(registrar, label):
    body = registrar.expect(201, json={**OK_BODY, "label": label, "client_id": "admin", "status": "inactive"})
    assert (body["label"], body["scopes"]) == (label, ["hello:read"])
    assert body["client_id"] != "admin"
    row = RegisteredClient.objects.get(client_id=body["client_id"])
    assert (row.label, row.scopes, row.status) == (label, ["hello:read"], "active")


def test_surrogate_pair_escapes_are_one_character(registrar):
    body = registrar.expect(201, **raw('{"label": "\\ud83d\\ude80 app", "scopes": ["hello:read"]}'))
    assert body["label"] == "🚀 app"


def test_duplicate_scopes_are_registered_once(registrar):
    body = registrar.expect(201, json={"label": "Dup", "scopes": ["hello:read"] * 10_000})
    assert body["scopes"] == ["hello:read"]


@pytest.mark.parametrize(
    ("kwargs", "status", "error"),
    [
        ({"json": {"label": "A" * 3_000_000, "scopes": ["hello:read"]}}, 413, "request_too_large"),
        ({"data": {"label": "A" * 3_000_000, "scopes": "hello:read"}}, 413, "request_too_large"),
        ({"data": {f"f{i}": "x" for i in range(1_001)}}, 400, "parse_error"),  # DATA_UPLOAD_MAX_NUMBER_FIELDS
        (raw("[" * DEEP), 400, "parse_error"),
        ({"data": {"label": "x\x00y", "scopes": "hello:read"}}, 400, "invalid_request"),
    ],
)  # fmt: skip
def test_staff_session_refuses_cleanly(registrar, embedded, kwargs, status, error):  # noqa: F811
    """The session path parses the body for the CSRF check first: the same clear answers."""
    registrar.session = staff_session(embedded)
    registrar.expect(status, error, **kwargs)
