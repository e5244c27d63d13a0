"""The audit trail in the admin: listed, filtered and searched, never added, changed or deleted."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.test import Client

from registration.audit import Actor, record
from registration.models import AuditEvent, RegisteredClient

from .conftest import ORG

APPS = f"{ORG}/api/v1/apps"
TRAIL = "/admin/registration/auditevent/"
CLIENTS = "/admin/registration/registeredclient/"


@pytest.fixture
def root() -> Client:
    user = get_user_model().objects.create_superuser("root", "root@example.com", "pw-root-1")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def events() -> list[AuditEvent]:
    staff = Actor(kind="staff", name="ops", address="192.0.2.1", request_id="req-aaa")
    client = Actor(kind="client", name="registrar", address="2001:db8::1", request_id="req-bbb")
    return [
        record(action="register", outcome="succeeded", actor=staff, target="0oa-first"),
        record(action="deactivate", outcome="failed", actor=client, target="0oa-second", reason="provider_timeout"),
    ]


def test_the_list_renders_every_column(root, events):
    html = root.get(TRAIL).content.decode()
    for text in ["0oa-first", "0oa-second", "provider_timeout", "req-aaa", "2001:db8::1", "Staff user", "API client"]:
        assert text in html


@pytest.mark.parametrize(
    ("query", "shown", "hidden"),
    [("?q=0oa-first", "0oa-first", "0oa-second"), ("?q=req-bbb", "0oa-second", "0oa-first"),
     ("?action__exact=deactivate", "0oa-second", "0oa-first"), ("?outcome__exact=succeeded", "0oa-first", "0oa-second"),
     ("?actor_kind__exact=client", "0oa-second", "0oa-first")],
)  # fmt: skip
def test_search_and_filters(root, events, query, shown, hidden):
    response = root.get(TRAIL + query)
    assert response.status_code == 200
    html = response.content.decode()
    assert shown in html and hidden not in html


def test_an_event_is_shown_read_only(root, events):
    page = root.get(f"{TRAIL}{events[0].pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "0oa-first" in html and "req-aaa" in html and 'name="_save"' not in html


def test_nothing_can_be_added_changed_or_deleted(root, events):
    event = events[0]
    assert root.get(f"{TRAIL}add/").status_code == 403
    assert root.post(f"{TRAIL}add/", {"action": "register", "outcome": "succeeded"}).status_code == 403
    assert root.post(f"{TRAIL}{event.pk}/change/", {"target": "forged"}).status_code == 403
    assert root.post(f"{TRAIL}{event.pk}/delete/", {"post": "yes"}).status_code == 403
    bulk = root.post(TRAIL, {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"})
    assert bulk.status_code in (200, 302)
    assert AuditEvent.objects.count() == 2 and AuditEvent.objects.get(pk=event.pk).target == "0oa-first"
    assert "delete_selected" not in root.get(TRAIL).content.decode()


def test_a_staff_user_needs_the_view_permission(events):
    user = get_user_model().objects.create_user("viewer", "viewer@example.com", "pw-viewer-1", is_staff=True)
    client = Client()
    client.force_login(user)
    assert client.get(TRAIL).status_code == 403
    user.user_permissions.add(Permission.objects.get(codename="view_auditevent"))
    assert client.get(TRAIL).status_code == 200


def test_admin_actions_record_the_staff_user(root, okta_http):
    row = RegisteredClient.objects.create(
        label="Billing", client_id="0oa1", provider_reference="0oa1", provider="default", status="active"
    )
    okta_http.post(f"{APPS}/0oa1/lifecycle/deactivate", json={})
    response = root.post(CLIENTS, {"action": "deactivate_at_provider", "_selected_action": [row.pk]}, follow=True)
    assert response.status_code == 200
    okta_http.post(f"{APPS}/0oa1/lifecycle/activate", status=500, json={"errorCode": "E0000009"})
    root.post(CLIENTS, {"action": "activate_at_provider", "_selected_action": [row.pk]}, follow=True)
    assert list(AuditEvent.objects.order_by("id").values_list("action", "outcome", "actor_kind", "actor")) == [
        ("deactivate", "succeeded", "staff", "root"),
        ("activate", "failed", "staff", "root"),
    ]
    assert set(AuditEvent.objects.values_list("client_address", flat=True)) == {"127.0.0.1"}
