"""Registrations and lifecycle actions are counted where the audit trail records them, by action and outcome."""

from unittest import mock

import pytest
from django.db import OperationalError

from ccproject import metrics
from registration.audit import record
from registration.exceptions import ProviderUnavailable
from registration.models import AuditEvent
from registration.services import activate_client, deactivate_client, delete_client, register_client
from tests.ccproject.test_metrics import Delta, label_sets

from .conftest import ORG, okta_app, okta_error

APPS = f"{ORG}/api/v1/apps"
SECRET = "secret-" + "s" * 57


def register():
    return register_client(label="Awesome App", scopes=["hello:read"], creator="user:ops")


def actions(action: str, outcome: str) -> Delta:
    return Delta(metrics.REGISTRATION_ACTIONS, action=action, outcome=outcome)


def test_a_registration_and_its_lifecycle_are_counted(okta_http):
    registered, deactivated = actions("register", "succeeded"), actions("deactivate", "succeeded")
    activated, deleted = actions("activate", "succeeded"), actions("delete", "succeeded")
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    row = register().client
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", json={})
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/activate", json={})
    okta_http.post(f"{APPS}/0oaapp1/lifecycle/deactivate", json={})
    okta_http.delete(f"{APPS}/0oaapp1", status=204)
    deactivate_client(client=row)
    activate_client(client=row)
    delete_client(client=row)
    assert (registered(), deactivated(), activated(), deleted()) == (1, 1, 1, 1)


def test_a_failed_registration_is_counted_as_failed(okta_http):
    failed = actions("register", "failed")
    okta_http.post(APPS, json=okta_error("E0000009", "Internal Server Error"), status=500)
    with pytest.raises(ProviderUnavailable):
        register()
    assert failed() == 1


def test_an_event_the_database_cannot_store_is_counted_all_the_same():
    failed = actions("delete", "failed")
    with mock.patch.object(AuditEvent, "save", side_effect=OperationalError("database is down")):
        assert record(action="delete", outcome="failed", target="0oaapp1", reason="database_error") is None
    assert failed() == 1


def test_labels_stay_within_the_trails_fixed_sets():
    other = actions("other", "other")
    record(action="<script>" + "x" * 500, outcome="client-0oa-hostile", target="0oaapp1")
    assert other() == 1
    allowed_actions = {*AuditEvent.Action.values, "other"}
    allowed_outcomes = {*AuditEvent.Outcome.values, "other"}
    for labels in label_sets(metrics.REGISTRATION_ACTIONS):
        assert labels["action"] in allowed_actions and labels["outcome"] in allowed_outcomes
