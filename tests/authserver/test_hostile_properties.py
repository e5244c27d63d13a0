"""Hostile input at every endpoint of the embedded server that takes input (property tests).

Whatever arrives (NUL and other control characters, lone surrogates, foreign charsets, repeated
parameters, multipart, JSON nested 100,000 deep, huge numbers), the answer is below 500, every
error is in the shape the endpoint documents (`{"error", "error_description"}` for the OAuth and
RFC 7591/7592 endpoints, Okta's error object for the Apps API), and a refused request writes
nothing. Run on PostgreSQL too (`DATABASE_URL`): there a NUL that reached a query would fail.
"""

import base64
import json
from urllib.parse import quote_from_bytes

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from oauth2_provider.models import get_access_token_model

from authserver.models import AdminApiToken, Client, RevokedToken, SigningKey
from tests.support.form_client import FORM
from tests.support.limits import bounded

from .conftest import SECRET

# Several requests per example: a quarter of the profile's examples keeps the suite's time in bounds
# (`make fuzz`'s profile still runs thousands).
EXAMPLES = settings(max_examples=max(25, settings.default.max_examples // 4))

HOSTILE = ["\x00", "a\x00b", "\ud800", "\udfff", "\x1b[31m", "\u202egnp.exe", "\x7f", "\x85", "²", "١٢", "\ufeff"]
hostile_text = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=20),  # surrogates included
    st.builds(lambda n: "9" * n, st.integers(1, 6000)),
)
known_values = st.sampled_from(
    ["client_credentials", "test-client", SECRET, "hello:read", "urn:ietf:params:oauth:grant-type:device_code"]
)
values = st.one_of(hostile_text, known_values)
parameter_names = st.one_of(
    st.sampled_from(
        [
            "grant_type",
            "scope",
            "client_id",
            "client_secret",
            "resource",
            "device_code",
            "token",
            "token_type_hint",
            "client_assertion",
            "client_assertion_type",
        ]
    ),
    hostile_text,
)
form_pairs = st.lists(st.tuples(parameter_names, values), max_size=8)
content_types = st.sampled_from(
    [
        FORM,
        FORM + "; charset=utf-8",
        FORM + "; charset=utf-16",
        FORM + "; charset=x-unknown",
        "multipart/form-data; boundary=x",
        "application/json",
        "text/plain",
        "",
    ]
)


def encode(text: str) -> bytes:
    """What a client that does not care sends: UTF-8, lone surrogates as their CESU-8 bytes."""
    return text.encode("utf-8", "surrogatepass")


def form_body(pairs) -> bytes:
    return b"&".join(
        quote_from_bytes(encode(name)).encode() + b"=" + quote_from_bytes(encode(v)).encode() for name, v in pairs
    )


def basic_header(user: str, password: str) -> str:
    raw = quote_from_bytes(encode(user)).encode() + b":" + quote_from_bytes(encode(password)).encode()
    return "Basic " + base64.b64encode(raw).decode()


authorizations = st.one_of(
    st.none(),
    st.builds(basic_header, st.one_of(hostile_text, st.just("test-client")), st.one_of(hostile_text, st.just(SECRET))),
    st.builds(lambda s: "Basic " + s, st.text(alphabet="ABCabc012+/=%\x00", max_size=40)),
)


def deep(depth: int, kind: str) -> bytes:
    if kind == "array":
        return b"[" * depth + b"]" * depth
    if kind == "object":
        return b'{"a":' * depth + b"1" + b"}" * depth
    return b"[" * depth  # unterminated


json_documents = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | hostile_text,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(hostile_text, children, max_size=4),
    max_leaves=12,
)
json_bodies = st.one_of(
    st.builds(deep, st.sampled_from([2, 33, 1000, 100_000]), st.sampled_from(["array", "object", "open"])),
    json_documents.map(lambda doc: encode(json.dumps(doc, ensure_ascii=False))),
    json_documents.map(lambda doc: json.dumps(doc).encode()),  # \u escapes: NUL and surrogates as JSON text
    st.binary(max_size=200),
)


def counts() -> tuple[int, ...]:
    return (
        Client.objects.count(),
        AdminApiToken.objects.count(),
        RevokedToken.objects.count(),
        SigningKey.objects.count(),
        get_access_token_model().objects.count(),
    )


def assert_oauth_shape(response) -> None:
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body["error"], str) and body["error"]
        assert isinstance(body["error_description"], str) and body["error_description"]


def assert_okta_shape(response) -> None:
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}, body
        assert body["errorCode"].startswith("E0000")


def refused_writes_nothing(before: tuple, response) -> None:
    if response.status_code >= 400:
        assert counts() == before


@pytest.mark.parametrize("endpoint", ["token", "introspect", "revoke"])
@EXAMPLES
@given(pairs=form_pairs, content_type=content_types, authorization=authorizations)
@example(pairs=[("grant_type", "urn:ietf:params:oauth:grant-type:device_code")], content_type=FORM, authorization=None)
@example(pairs=[("grant_type", "client_credentials"), ("client_id", "\x00")], content_type=FORM, authorization=None)
@example(pairs=[("grant_type", "client_credentials")], content_type=FORM, authorization=basic_header("\x00", "x"))
@example(
    pairs=[("grant_type", "client_credentials"), ("grant_type", "client_credentials")],
    content_type=FORM,
    authorization=basic_header("test-client", SECRET),
)
def test_oauth_endpoints(client, oauth_client, endpoint, pairs, content_type, authorization):
    extra = {"HTTP_AUTHORIZATION": authorization} if authorization else {}
    before = counts()
    with bounded(seconds=10, max_bytes=64 * 1024 * 1024):
        response = client.generic(
            "POST", f"/oauth2/default/v1/{endpoint}", form_body(pairs), content_type=content_type, **extra
        )
    assert_oauth_shape(response)
    assert response["Cache-Control"] == "no-store"
    if endpoint != "revoke":  # revoking one's own valid token writes, by design
        refused_writes_nothing(before, response)


@EXAMPLES
@given(server_id=hostile_text, tail=st.sampled_from(["v1/keys", ".well-known/openid-configuration", "v1/token"]))
@example(server_id="\x00", tail="v1/keys")
@example(server_id="other", tail="v1/keys")
def test_discovery_paths(client, server_id, tail):
    response = client.get(f"/oauth2/{quote_from_bytes(encode(server_id), safe='')}/{tail}")
    assert_oauth_shape(response)


@EXAMPLES
@given(
    query=st.lists(
        st.tuples(
            st.sampled_from(["q", "filter", "limit", "after", "activate", "x"]), values | st.just('status eq "ACTIVE"')
        ),
        max_size=4,
    ),
    app_id=hostile_text,
)
@example(query=[("after", "²")], app_id="0oa")
@example(query=[("after", "9" * 5000)], app_id="\x00")
@example(query=[("q", "\x00"), ("filter", 'id eq "\x00"')], app_id="a\x00")
def test_apps_api_reads(client, query, app_id):
    headers = {"HTTP_AUTHORIZATION": f"SSWS {AdminApiToken.issue('props')[1]}"}
    before = counts()
    listing = client.get("/api/v1/apps?" + form_body(query).decode(), **headers)
    assert_okta_shape(listing)
    segment = quote_from_bytes(encode(app_id), safe="")
    for method, path in (
        ("get", f"/api/v1/apps/{segment}"),
        ("delete", f"/api/v1/apps/{segment}"),
        ("post", f"/api/v1/apps/{segment}/lifecycle/deactivate"),
        ("get", f"/api/v1/apps/{segment}/credentials/secrets"),
    ):
        response = getattr(client, method)(path, **headers)
        assert_okta_shape(response)
        refused_writes_nothing(before, response)


@EXAMPLES
@given(body=json_bodies, label=hostile_text)
@example(body=deep(100_000, "array"), label="x")
@example(body=b'{"label": "a\\u0000b"}', label="\x00")
def test_apps_api_create(client, create_body_factory, body, label):
    headers = {"HTTP_AUTHORIZATION": f"SSWS {AdminApiToken.issue('props')[1]}"}
    for raw in (body, encode(json.dumps({**create_body_factory(), "label": label}, ensure_ascii=False))):
        before = counts()
        response = client.generic("POST", "/api/v1/apps", raw, content_type="application/json", **headers)
        assert_okta_shape(response)
        refused_writes_nothing(before, response)


@EXAMPLES
@given(body=json_bodies, name=hostile_text, client_id=hostile_text)
@example(body=deep(100_000, "object"), name="\x00", client_id="\x00")
def test_dynamic_registration(client, registered, body, name, client_id):
    auth = {"HTTP_AUTHORIZATION": f"Bearer {registered['initial']}"}
    manage = {"HTTP_AUTHORIZATION": f"Bearer {registered['registration_access_token']}"}
    metadata = {"client_name": name, "grant_types": ["client_credentials"], "scope": "hello:read"}
    for raw in (body, encode(json.dumps(metadata, ensure_ascii=False))):
        before = counts()
        created = client.generic("POST", "/oauth2/v1/clients", raw, content_type="application/json", **auth)
        assert_oauth_shape(created)
        refused_writes_nothing(before, created)
        before = counts()
        uri = f"/oauth2/v1/clients/{registered['client_id']}"
        updated = client.generic("PUT", uri, raw, content_type="application/json", **manage)
        assert_oauth_shape(updated)
        refused_writes_nothing(before, updated)
    segment = quote_from_bytes(encode(client_id), safe="")
    for method in ("GET", "PUT", "DELETE"):
        response = client.generic(
            method, f"/oauth2/v1/clients/{segment}", b"{}", content_type="application/json", **manage
        )
        assert_oauth_shape(response)


@pytest.fixture
def create_body_factory():
    from tests.support.okta_apps import service_app_body

    return lambda: service_app_body("Property app")


@pytest.fixture
def registered(client):
    initial = AdminApiToken.issue("dcr-props")[1]
    response = client.post(
        "/oauth2/v1/clients",
        {"client_name": "Props", "grant_types": ["client_credentials"], "scope": "hello:read"},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {initial}",
    )
    assert response.status_code == 201, response.content
    return {**response.json(), "initial": initial}
