"""Unknown paths under the registration API's prefixes (`register/`, `clients/`) answer its JSON 404.

Never Django's HTML page, and never the path repeated; the admin site and the browsable register
form keep their HTML pages, and a path that names an endpoint once a slash is appended is
redirected there as before.
"""

from urllib.parse import quote

import pytest
from django.test import Client
from hypothesis import given, settings

from tests.authserver.test_hostile_properties import hostile_text

from .conftest import CSRF

EXAMPLES = settings(max_examples=max(25, settings.default.max_examples // 4))
# Put before every generated segment: no description of ours holds it, so finding it means an echo.
MARK = "\u2603"

NOT_FOUND = {"error": "not_found", "error_description": "No endpoint at this path."}
HOSTILE = [
    "<script>alert(1)</script>",
    "\"quoted'\\",
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ0aGllZiJ9.c2lnbmF0dXJl",  # a token someone put in a URL
    "%E2%80%AE-rtl",
    "x" * 100_000,
]


def assert_json_not_found(response, hostile: str = "") -> None:
    assert response.status_code == 404, response.content[:300]
    assert response["Content-Type"] == "application/json"
    assert response.json() == NOT_FOUND
    assert response["Cache-Control"] == "no-store"
    if hostile:
        assert hostile not in response.content.decode() and quote(hostile) not in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post", "put", "delete", "head"])
@pytest.mark.parametrize(
    "path",
    [
        "/register/nothing/",
        "/register/x",
        "/clients/some-client/nothing/",
        "/clients/some-client/secrets/s1/rename/",
        "/clients/some-client/keys/k1/activate/extra/",
        "/clients/a/b/c",
        "/clients//",
    ],
)
def test_an_unknown_path_is_the_json_404(client, path, method):
    response = getattr(client, method)(path)
    if method == "head":
        assert response.status_code == 404 and response["Content-Type"] == "application/json"
    else:
        assert_json_not_found(response)


@pytest.mark.parametrize("hostile", HOSTILE)
@pytest.mark.parametrize("method", ["get", "post"])
def test_hostile_content_in_an_unknown_path_is_never_repeated(client, hostile, method):
    body = {"data": "{}", "content_type": "application/json"} if method == "post" else {}
    for path in (f"/clients/c1/{quote(hostile)}/", f"/register/{quote(hostile)}/x/"):
        assert_json_not_found(getattr(client, method)(path, **body), hostile)


@pytest.mark.parametrize("path", ["/clients/a%00b/nothing/", "/register/a%00b/", "/clients/%1b[2J/x/"])
def test_a_control_character_in_an_unknown_path_is_the_input_guards_json_400(client, path):
    for method in ("get", "post"):
        response = getattr(client, method)(path)
        assert response.status_code == 400, response.content[:300]
        assert response["Content-Type"] == "application/json"
        assert response.json()["error"] == "invalid_request"
        assert "a\x00b" not in response.content.decode() and "[2J" not in response.content.decode()


@EXAMPLES
@given(segment=hostile_text)
def test_any_segment_is_the_json_404_or_the_input_guards_400_and_never_repeated(client, segment):
    marked = MARK + segment
    response = client.get(f"/clients/c1/{quote(marked.encode('utf-8', 'surrogatepass'), safe='')}/more/")
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert (response.status_code, body["error"]) in ((404, "not_found"), (400, "invalid_request")), body
    assert MARK not in body["error_description"]


def test_a_post_without_csrf_is_the_json_404_not_the_csrf_page(staff_user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(staff_user)
    assert_json_not_found(browser.post("/clients/c1/nothing/", {"a": "b"}))


def test_a_path_that_names_an_endpoint_with_a_slash_is_still_redirected(client):
    for path, location in (
        ("/clients/c1", "/clients/c1/"),
        ("/clients/c1/deactivate?x=1", "/clients/c1/deactivate/?x=1"),
        ("/clients", "/clients/"),
        ("/register", "/register/"),
    ):
        response = client.get(path)
        assert (response.status_code, response["Location"]) == (301, location), path


def test_the_known_endpoints_still_answer(client, staff_client):
    assert client.get("/clients/").status_code == 401
    assert staff_client.get("/clients/no-such-client/").json()["error"] == "not_found"
    assert staff_client.post("/register/", {}, format="json", **CSRF).status_code == 400


def test_the_admin_site_and_the_register_form_keep_their_html_pages(staff_client):
    response = staff_client.get("/admin/no/such/page/")
    assert response.status_code == 404 and response["Content-Type"].startswith("text/html")
    response = staff_client.get("/register/", HTTP_ACCEPT="text/html")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/html")
