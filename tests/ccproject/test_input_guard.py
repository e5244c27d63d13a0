"""The input guard: control characters, lone surrogates and foreign charsets never reach a view."""

import pytest

from ccproject.text import control_character_problem, label_problem
from tests.support.form_client import FORM


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("plain text", None),
        ("tab\tnew\nline\r", None),
        ("é ü 名前 🙂", None),
        ("\u202eevil", None),  # bidi overrides are a label rule, not a control character
        ("a\x00b", "a NUL character"),
        ("\x1b[31m", "the character U+001B"),
        ("\x7f", "the character U+007F"),
        ("\x85", "the character U+0085"),
        ("\ud800", "the character U+D800"),
    ],
)
def test_control_character_problem(value, problem):
    found = control_character_problem(value)
    assert found == problem or (problem and found.startswith(problem))


@pytest.mark.parametrize(
    ("value", "refused"),
    [
        ("Billing service", False),
        ("Facturación 名前", False),
        ("evil\u202etxt.exe", True),
        ("rtl\u2067isolate", True),
        ("esc\x1b", True),
        ("tab\t", True),
        ("nbsp\u00a0", True),
        ("zero\u200bwidth", True),
    ],
)
def test_label_problem(value, refused):
    assert bool(label_problem(value)) is refused


def assert_refused(response, status: int = 400) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert body["error"] in ("invalid_request", "request_too_large", "parse_error")
    assert body["error_description"]
    return body


@pytest.mark.parametrize(
    "path",
    [
        "/oauth2/default/v1/keys?x=%00",
        "/oauth2/default/v1/keys?%1b=1",
        "/clients/?status=%00",
        "/clients/abc%00def/",
        "/oauth2/v1/clients/abc%00",
        "/?q=%ED%A0%80",  # a lone surrogate (CESU-8), repercented by Django: still refused or ignored
    ],
)
def test_query_and_path_strings_are_refused_in_the_json_shape(client, path):
    response = client.get(path)
    if response.status_code != 400:
        # Django keeps undecodable bytes percent-encoded: then nothing strange reaches the view.
        assert response.status_code < 500
        return
    assert_refused(response)


def test_okta_views_refuse_in_okta_shape(client):
    response = client.get("/api/v1/apps?q=%00")
    assert response.status_code == 400
    body = response.json()
    assert body["errorCode"] == "E0000001"
    assert "NUL" in body["errorCauses"][0]["errorSummary"]


def test_form_body_strings_are_refused_before_csrf_reads_them(client):
    response = client.post("/register/", "label=a%00b&scopes=hello:read", content_type=FORM)
    assert "NUL" in assert_refused(response)["error_description"]


@pytest.mark.parametrize("charset", ["utf-16", "latin-1", "x-no-such-charset"])
def test_foreign_charsets_are_refused_for_every_body(client, charset):
    for content_type in (FORM, "application/json"):
        response = client.generic("POST", "/register/", b"{}", content_type=f"{content_type}; charset={charset}")
        assert "UTF-8" in assert_refused(response)["error_description"]


def test_too_many_form_fields_is_a_json_400(client, settings):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    body = "&".join(f"f{i}=1" for i in range(10)).encode()
    oauth = assert_refused(client.generic("POST", "/oauth2/default/v1/token", body, content_type=FORM))
    assert oauth["error"] == "invalid_request"  # RFC 6749 §5.2 has no other code for it
    assert assert_refused(client.generic("POST", "/register/", body, content_type=FORM))["error"] == "parse_error"


def test_a_form_over_the_size_limit_is_a_json_413(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 100
    body = b"grant_type=client_credentials&x=" + b"a" * 200
    response = client.generic("POST", "/oauth2/default/v1/token", body, content_type=FORM)
    assert_refused(response, 413)
    assert response["Cache-Control"] == "no-store"
