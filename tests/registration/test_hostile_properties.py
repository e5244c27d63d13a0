"""Hostile input at every registration API endpoint (property tests), as a staff session sends it.

Whatever the body, path segment or query value (NUL and other control characters, lone
surrogates, bidirectional overrides, JSON nested 100,000 deep, foreign charsets, multipart), the
answer is below 500 and every error is `{"error", "error_description"}`; a refused request
reaches no provider and writes no row. Run on PostgreSQL too (`DATABASE_URL`).
"""

import itertools
import json
import re
from urllib.parse import quote_from_bytes

import responses
from hypothesis import example, given, settings
from hypothesis import strategies as st

from registration.models import RegisteredClient
from tests.authserver.test_hostile_properties import deep, encode, hostile_text, json_bodies

from .conftest import CSRF, ORG, okta_app, okta_error, provider_calls

EXAMPLES = settings(max_examples=max(25, settings.default.max_examples // 4))
APPS = f"{ORG}/api/v1/apps"
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-16",
        "application/x-www-form-urlencoded",
        "application/x-www-form-urlencoded; charset=latin-1",
        "multipart/form-data; boundary=x",
    ]
)
_app_ids = (f"0oaprop{i:013d}" for i in itertools.count())


def fresh_app(request):
    body = json.loads(request.body)
    app = okta_app(app_id=next(_app_ids), label=body.get("label", "x"), secret="s" * 40)
    return 200, {}, json.dumps(app)


def assert_contract(response) -> None:
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        body = response.json()
        assert isinstance(body["error"], str) and body["error"]
        assert isinstance(body["error_description"], str) and body["error_description"]


def with_provider(okta_http):
    okta_http.add_callback(responses.POST, APPS, callback=fresh_app, content_type="application/json")


@EXAMPLES
@given(body=json_bodies, label=hostile_text, scopes=st.lists(hostile_text | st.just("hello:read"), max_size=3))
@example(body=deep(100_000, "array"), label="a\x00b", scopes=["hello:read"])
@example(body=b'{"label": "\\u202egnp.exe", "scopes": ["hello:read"]}', label="\ud800", scopes=["\x00"])
def test_register(staff_client, okta_http, body, label, scopes):
    with_provider(okta_http)
    document = encode(json.dumps({"label": label, "scopes": scopes}, ensure_ascii=False))
    for raw in (body, document):
        rows, calls = RegisteredClient.objects.count(), len(provider_calls(okta_http))
        response = staff_client.generic("POST", "/register/", raw, content_type="application/json", **CSRF)
        assert_contract(response)
        if response.status_code >= 400:
            assert RegisteredClient.objects.count() == rows
            assert len(provider_calls(okta_http)) == calls


@EXAMPLES
@given(content_type=content_types, label=hostile_text)
@example(content_type="application/x-www-form-urlencoded", label="x\x00y")
def test_register_in_any_content_type(staff_client, okta_http, content_type, label):
    with_provider(okta_http)
    raw = b"label=" + quote_from_bytes(encode(label)).encode() + b"&scopes=hello:read"
    rows = RegisteredClient.objects.count()
    response = staff_client.generic("POST", "/register/", raw, content_type=content_type, **CSRF)
    assert_contract(response)
    if response.status_code >= 400:
        assert RegisteredClient.objects.count() == rows


@EXAMPLES
# A segment with "/" or none at all names no endpoint (Django's plain 404): the ids stay one segment.
@given(client_id=hostile_text.filter(lambda value: value and "/" not in value), status=hostile_text, page=hostile_text)
@example(client_id="a\x00b", status="\x00", page="²")
@example(client_id="\ud800", status="active", page="9" * 5000)
def test_client_paths_and_queries(staff_client, okta_http, client_id, status, page):
    segment = quote_from_bytes(encode(client_id), safe="")
    query = "&".join(
        f"{name}={quote_from_bytes(encode(value), safe='')}" for name, value in (("status", status), ("page", page))
    )
    rows = list(RegisteredClient.objects.values_list("client_id", "status"))
    for method, path in (
        ("GET", f"/clients/?{query}"),
        ("GET", f"/clients/{segment}/"),
        ("POST", f"/clients/{segment}/deactivate/"),
        ("POST", f"/clients/{segment}/activate/"),
        ("DELETE", f"/clients/{segment}/"),
    ):
        response = staff_client.generic(method, path, **CSRF)
        assert_contract(response)
    assert list(RegisteredClient.objects.values_list("client_id", "status")) == rows


def provider_knows_no_credential(okta_http) -> None:
    """Okta answers 404 for any secret or key of the client: a hostile id reaches nothing."""
    anything = re.compile(rf"{re.escape(APPS)}/0oaapp1/credentials/.*")
    for method in (responses.GET, responses.POST, responses.DELETE):
        okta_http.add(method, anything, status=404, json=okta_error("E0000007", "Not found: Resource not found"))


@EXAMPLES
@given(credential_id=hostile_text.filter(lambda value: value and "/" not in value), jwk=json_bodies)
@example(credential_id="a\x00b", jwk=deep(100_000, "object"))
@example(credential_id="\ud800", jwk=b'{"jwk": {"kty": "RSA", "kid": "\\u0000", "n": "x", "e": "AQAB"}}')
def test_credential_paths_and_bodies(staff_client, okta_http, credential_id, jwk):
    provider_knows_no_credential(okta_http)
    client, _ = RegisteredClient.objects.get_or_create(
        client_id="0oaapp1", defaults={"label": "Target", "provider": "default", "status": "active"}
    )
    segment = quote_from_bytes(encode(credential_id), safe="")
    for method, path, body in (
        ("POST", f"/clients/0oaapp1/secrets/{segment}/activate/", None),
        ("POST", f"/clients/0oaapp1/secrets/{segment}/deactivate/", None),
        ("DELETE", f"/clients/0oaapp1/secrets/{segment}/", None),
        ("POST", f"/clients/0oaapp1/keys/{segment}/deactivate/", None),
        ("DELETE", f"/clients/0oaapp1/keys/{segment}/", None),
        ("POST", "/clients/0oaapp1/keys/", jwk),
    ):
        response = staff_client.generic(method, path, body or b"", content_type="application/json", **CSRF)
        assert_contract(response)
    client.refresh_from_db()
    assert (client.status, client.key_ids, client.provider_credential) == ("active", [], "")
