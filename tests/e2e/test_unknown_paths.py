"""Unknown paths under the JSON prefixes over real HTTP: registration's and the embedded server's answer JSON.

A POST without a CSRF cookie included (the test client skips CSRF; a real server does not), a
percent-encoded NUL and a long path; the admin site keeps Django's HTML page.
"""

import pytest
import requests

from tests.support.raw_http import raw_request

pytestmark = pytest.mark.e2e

NOT_FOUND = {"error": "not_found", "error_description": "No endpoint at this path."}


@pytest.mark.parametrize("method", ["GET", "POST", "DELETE"])
@pytest.mark.parametrize("path", ["/clients/c1/nothing/", "/register/nothing/", "/oauth2/default/v1/nothing"])
def test_an_unknown_path_is_the_json_404(live_server, method, path):
    response = requests.request(method, live_server.url + path, timeout=10)
    assert response.status_code == 404, response.text[:300]
    assert response.headers["Content-Type"] == "application/json"
    assert response.json() == NOT_FOUND


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_long_hostile_path_is_the_json_404_without_its_content(live_server, method):
    hostile = "%3Cscript%3E" + "A" * 4000
    status, headers, body = raw_request(live_server.url, method, path=f"/clients/c1/{hostile}/")
    assert (status, headers["Content-Type"]) == (404, "application/json")
    assert b"<script" not in body and b"%3Cscript" not in body and b"AAAA" not in body


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_nul_byte_in_the_path_is_the_input_guards_json_400(live_server, method):
    status, headers, body = raw_request(live_server.url, method, path="/clients/a%00b/nothing/")
    assert (status, headers["Content-Type"]) == (400, "application/json")
    assert b'"invalid_request"' in body and b"a\x00b" not in body and b"a\\u0000b" not in body


def test_the_admin_site_keeps_its_html_page(live_server):
    response = requests.get(live_server.url + "/admin/no/such/page/", timeout=10)
    assert response.headers["Content-Type"].startswith("text/html")
