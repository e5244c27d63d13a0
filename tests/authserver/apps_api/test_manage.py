"""Get, list (q, filter, limit, after, Link), lifecycle and delete of Apps API apps."""

import re

import pytest

from authserver.models import Client

from ..conftest import basic
from .conftest import assert_okta_error


def next_link(response) -> str | None:
    match = re.search(r'<([^>]+)>; rel="next"', response["Link"])
    return match.group(1).replace("http://testserver", "") if match else None


def test_get_returns_the_application(okta):
    app = okta.create("One")
    got = okta.get(f"/api/v1/apps/{app['id']}")
    assert got.status_code == 200
    body = got.json()
    assert body["id"] == app["id"]
    assert body["label"] == "One"
    assert body["credentials"]["oauthClient"]["client_id"] == app["credentials"]["oauthClient"]["client_id"]


def test_unknown_app_is_e0000007(okta):
    for response in (
        okta.get("/api/v1/apps/0oanope"),
        okta.delete("/api/v1/apps/0oanope"),
        okta.post("/api/v1/apps/0oanope/lifecycle/deactivate"),
        okta.post("/api/v1/apps/0oanope/lifecycle/activate"),
    ):
        body = assert_okta_error(response, 404, "E0000007")
        assert "0oanope" in body["errorSummary"]


def test_list_pages_with_link_headers(okta):
    ids = [okta.create(f"App {n}")["id"] for n in range(5)]
    seen, path, pages = [], "/api/v1/apps?limit=2", 0
    while path:
        response = okta.get(path)
        assert response.status_code == 200
        assert 'rel="self"' in response["Link"]
        seen += [item["id"] for item in response.json()]
        path, pages = next_link(response), pages + 1
    assert seen == ids
    assert pages == 3


def test_list_default_page_size_and_cap(okta, settings):
    settings.AUTHSERVER = {**settings.AUTHSERVER, "APPS_PAGE_SIZE": 2, "APPS_MAX_PAGE_SIZE": 3}
    for n in range(4):
        okta.create(f"App {n}")
    assert len(okta.get("/api/v1/apps").json()) == 2
    assert len(okta.get("/api/v1/apps?limit=500").json()) == 3


def test_list_filter_by_status_keeps_it_in_next_link(okta):
    first, second, third = (okta.create(f"App {n}")["id"] for n in range(3))
    okta.post(f"/api/v1/apps/{second}/lifecycle/deactivate")
    response = okta.get("/api/v1/apps", {"filter": 'status eq "ACTIVE"', "limit": 1})
    assert [item["id"] for item in response.json()] == [first]
    assert "filter=status+eq+%22ACTIVE%22" in response["Link"]
    assert [item["id"] for item in okta.get(next_link(response)).json()] == [third]
    inactive = okta.get("/api/v1/apps", {"filter": 'status eq "INACTIVE"'}).json()
    assert [item["id"] for item in inactive] == [second]


def test_list_filter_by_id_and_name(okta):
    app = okta.create("Solo")
    okta.create("Other")
    assert [i["id"] for i in okta.get("/api/v1/apps", {"filter": f'id eq "{app["id"]}"'}).json()] == [app["id"]]
    both = okta.get("/api/v1/apps", {"filter": f'name eq "oidc_client" and id eq "{app["id"]}"'}).json()
    assert len(both) == 1
    assert okta.get("/api/v1/apps", {"filter": 'name eq "bookmark"'}).json() == []


def test_list_q_matches_label_or_name_prefix(okta):
    okta.create("Billing service")
    okta.create("Reports")
    assert [i["label"] for i in okta.get("/api/v1/apps", {"q": "bill"}).json()] == ["Billing service"]
    assert len(okta.get("/api/v1/apps", {"q": "oidc"}).json()) == 2
    assert okta.get("/api/v1/apps", {"q": "zzz"}).json() == []


@pytest.mark.parametrize(
    "expression", ['status eq "DELETED"', 'label eq "x"', "status eq ACTIVE", 'status sw "A"', "garbage"]
)
def test_unsupported_filters_are_e0000031(okta, expression):
    assert_okta_error(okta.get("/api/v1/apps", {"filter": expression}), 400, "E0000031")


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "ten"},
        {"after": "abc"},
        {"after": "²"},  # str.isdigit() is true, int() refuses it
        {"after": "١٢"},  # Arabic-Indic digits: int() reads them, no cursor is written so
        {"after": "9" * 5000},  # past Python's int-from-str limit and any database integer
        {"after": "9" * 19},
        {"after": "-1"},
        {"after": " 1"},
    ],
)
def test_bad_paging_parameters_are_e0000001(okta, params):
    assert_okta_error(okta.get("/api/v1/apps", params), 400, "E0000001")


def test_deactivate_stops_tokens_and_activate_restores_them(okta, client):
    app = okta.create()
    credentials = app["credentials"]["oauthClient"]
    auth = basic(credentials["client_id"], credentials["client_secret"])

    def token_status():
        return client.post(
            "/oauth2/default/v1/token", {"grant_type": "client_credentials"}, HTTP_AUTHORIZATION=auth
        ).status_code

    assert token_status() == 200
    response = okta.post(f"/api/v1/apps/{app['id']}/lifecycle/deactivate")
    assert response.status_code == 200
    assert response.json() == {}
    assert okta.get(f"/api/v1/apps/{app['id']}").json()["status"] == "INACTIVE"
    assert token_status() == 401
    # Lifecycle operations are idempotent.
    assert okta.post(f"/api/v1/apps/{app['id']}/lifecycle/deactivate").status_code == 200
    assert okta.post(f"/api/v1/apps/{app['id']}/lifecycle/activate").json() == {}
    assert okta.get(f"/api/v1/apps/{app['id']}").json()["status"] == "ACTIVE"
    assert token_status() == 200


def test_delete_active_app_is_e0000056(okta):
    app = okta.create()
    assert_okta_error(okta.delete(f"/api/v1/apps/{app['id']}"), 403, "E0000056")
    assert Client.objects.filter(app_id=app["id"]).exists()


def test_delete_inactive_app(okta):
    app = okta.create()
    okta.post(f"/api/v1/apps/{app['id']}/lifecycle/deactivate")
    response = okta.delete(f"/api/v1/apps/{app['id']}")
    assert response.status_code == 204
    assert response.content == b""
    assert not Client.objects.filter(app_id=app["id"]).exists()
    assert_okta_error(okta.get(f"/api/v1/apps/{app['id']}"), 404, "E0000007")


def test_a_cursor_from_a_next_link_still_pages(okta):
    for label in ("a", "b", "c"):
        okta.create(label)
    first = okta.get("/api/v1/apps", {"limit": "2"})
    next_link = first["Link"].split(", ")[1]
    after = next_link.split("after=")[1].split("&")[0]
    rest = okta.get("/api/v1/apps", {"limit": "2", "after": after})
    assert [app["label"] for app in rest.json()] == ["c"]
