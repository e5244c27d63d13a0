"""The admin site: registered clients listed, searched, filtered; lifecycle actions at the provider."""

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from registration.models import RegisteredClient

from .conftest import ORG

APPS = f"{ORG}/api/v1/apps"
CHANGELIST = "/admin/registration/registeredclient/"


@pytest.fixture
def admin_client_() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-1")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def rows():
    one = RegisteredClient.objects.create(
        label="Billing", client_id="0oa1", provider_reference="0oa1", provider="default", status="active",
        scopes=["hello:read"], creator="user:root",
    )  # fmt: skip
    two = RegisteredClient.objects.create(
        label="Reports", client_id="dcr2", provider="dynamic", status="inactive", scopes=["hello:read"]
    )
    return one, two


def test_changelist_shows_the_columns(admin_client_, rows):
    html = admin_client_.get(CHANGELIST).content.decode()
    for text in ["Billing", "0oa1", "default", "Active", "hello:read", "user:root", "Reports", "dcr2"]:
        assert text in html
    assert "provider_credential" not in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [("?q=Bill", "0oa1", "dcr2"), ("?q=dcr2", "dcr2", "0oa1"), ("?status__exact=inactive", "dcr2", "0oa1"),
     ("?provider__exact=default", "0oa1", "dcr2")],
)  # fmt: skip
def test_search_and_filters(admin_client_, rows, query, shown, hidden):
    html = admin_client_.get(CHANGELIST + query).content.decode()
    assert f">{shown}<" in html
    assert f">{hidden}<" not in html


def test_no_add_and_no_plain_delete(admin_client_, rows):
    assert admin_client_.get(CHANGELIST + "add/").status_code == 403
    assert "delete_selected" not in admin_client_.get(CHANGELIST).content.decode()


def act(client, action: str, *rows):
    return client.post(
        CHANGELIST, {"action": action, "_selected_action": [row.pk for row in rows]}, follow=True
    ).content.decode()


def test_deactivate_action_follows_the_provider(admin_client_, rows, okta_http):
    okta_http.post(f"{APPS}/0oa1/lifecycle/deactivate", json={})
    html = act(admin_client_, "deactivate_at_provider", rows[0])
    assert "1 client(s) deactivated at the provider." in html
    assert RegisteredClient.objects.get(client_id="0oa1").status == "inactive"


def test_action_failure_leaves_the_row_and_says_why(admin_client_, rows, okta_http):
    okta_http.post(
        f"{APPS}/0oa1/lifecycle/deactivate", status=401, json={"errorCode": "E0000011", "errorSummary": "Invalid token"}
    )
    html = act(admin_client_, "deactivate_at_provider", rows[0], rows[1])
    assert "Not deactivated: Billing (0oa1)" in html and "check TOKEN" in html
    assert "Not deactivated: Reports (dcr2)" in html  # RFC 7592 has no lifecycle
    assert set(RegisteredClient.objects.values_list("status", flat=True)) == {"active", "inactive"}
    assert RegisteredClient.objects.get(client_id="0oa1").status == "active"


def test_activate_and_delete_actions(admin_client_, rows, okta_http):
    okta_http.post(f"{APPS}/0oa1/lifecycle/activate", json={})
    okta_http.post(f"{APPS}/0oa1/lifecycle/deactivate", json={})
    okta_http.delete(f"{APPS}/0oa1", status=204)
    assert "1 client(s) activated" in act(admin_client_, "activate_at_provider", rows[0])
    assert "1 client(s) deleted" in act(admin_client_, "delete_at_provider", rows[0])
    assert RegisteredClient.objects.get(client_id="0oa1").status == "deleted"


def test_change_page_is_read_only(admin_client_, rows):
    html = admin_client_.get(f"{CHANGELIST}{rows[0].pk}/change/").content.decode()
    assert "Billing" in html and 'name="label"' not in html
