"""The audit trail over real HTTP: a registration and a deactivation through the live server, then the admin."""

import pytest
import requests

from registration.models import AuditEvent

from .test_registration_flow import embedded, staff_session  # noqa: F401 (the live server: issuer, API, provider)

pytestmark = pytest.mark.e2e


def test_a_registration_over_http_leaves_its_event(embedded):  # noqa: F811
    session = staff_session(embedded)
    response = session.post(f"{embedded}/register/", json={"label": "Audited", "scopes": ["hello:read"]}, timeout=20)
    assert response.status_code == 201, response.text
    client_id, secret = response.json()["client_id"], response.json()["client_secret"]

    event = AuditEvent.objects.get(action="register")
    assert (event.outcome, event.target, event.actor_kind, event.actor) == ("succeeded", client_id, "staff", "ops")
    assert event.client_address == "127.0.0.1"
    # The id the response carries finds the event (and the request's log lines).
    assert event.request_id == response.headers["X-Request-ID"] and len(event.request_id) == 32

    # Each lifecycle change over HTTP is recorded, a refused one too (a deleted client is never activated).
    assert session.post(f"{embedded}/clients/{client_id}/deactivate/", timeout=10).status_code == 200
    assert session.delete(f"{embedded}/clients/{client_id}/", timeout=10).status_code == 204
    gone = session.post(f"{embedded}/clients/{client_id}/activate/", timeout=10)
    assert gone.status_code == 409 and gone.json()["error"] == "invalid_state"
    assert list(AuditEvent.objects.order_by("id").values_list("action", "outcome", "reason")) == [
        ("register", "succeeded", ""),
        ("deactivate", "succeeded", ""),
        ("delete", "succeeded", ""),
        ("activate", "refused", "invalid_state"),
    ]
    assert AuditEvent.objects.get(action="activate").request_id == gone.headers["X-Request-ID"]
    page = session.get(
        f"{embedded}/admin/registration/auditevent/", params={"q": gone.headers["X-Request-ID"]}, timeout=10
    )
    assert page.status_code == 200 and "invalid_state" in page.text and event.request_id not in page.text

    # The admin lists the trail, read-only, and finds the event by the client id.
    page = session.get(f"{embedded}/admin/registration/auditevent/", params={"q": client_id}, timeout=10)
    assert page.status_code == 200 and client_id in page.text and secret not in page.text
    add = session.get(f"{embedded}/admin/registration/auditevent/add/", timeout=10)
    assert add.status_code == 403
    assert not [row for row in AuditEvent.objects.values() if secret in repr(row)]
    assert requests.get(f"{embedded}/admin/registration/auditevent/", timeout=10).url.endswith(
        "/admin/login/?next=/admin/registration/auditevent/"
    )
