"""`sync_clients`: settle interrupted registrations and report drift between provider and database."""

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from registration.crypto import encrypt_json
from registration.models import RegisteredClient
from registration.reconcile import sync_clients

from .conftest import DCR_ENDPOINT, ORG, okta_app

APPS = f"{ORG}/api/v1/apps"


def row(client_id: str | None, status: str = "active", label: str = "App", **fields) -> RegisteredClient:
    return RegisteredClient.objects.create(
        label=label,
        client_id=client_id,
        provider_reference=client_id or "",
        provider="default",
        status=status,
        **fields,
    )


def stale(record: RegisteredClient, minutes: int = 10) -> RegisteredClient:
    RegisteredClient.objects.filter(pk=record.pk).update(created_at=timezone.now() - timedelta(minutes=minutes))
    record.refresh_from_db()
    return record


def okta_now() -> str:
    return (timezone.now() - timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def test_no_drift(okta_http):
    row("0oa1")
    okta_http.get(APPS, json=[okta_app("0oa1", label="App")])
    report = sync_clients()
    assert not report.drift and report.only_at_provider == []


def test_drift_is_reported_and_the_database_follows_the_provider(okta_http):
    row("0oa1")  # deactivated at the provider behind our back
    row("0oa2")  # deleted at the provider
    okta_http.get(APPS, json=[okta_app("0oa1", label="App", status="INACTIVE"), okta_app("0oaX", label="Made by hand")])
    okta_http.get(f"{APPS}/0oa2", status=404, json={"errorCode": "E0000007", "errorSummary": "Not found"})
    report = sync_clients()
    assert report.drift
    assert report.only_at_provider == ["0oaX 'Made by hand' (ACTIVE)"]
    assert report.only_in_database == ["0oa2 'App' (active)"]
    assert report.status_mismatch == ["0oa1 'App': database active, provider INACTIVE"]
    statuses = dict(RegisteredClient.objects.values_list("client_id", "status"))
    assert statuses == {"0oa1": "inactive", "0oa2": "deleted"}
    assert [c.request.method for c in okta_http.calls] == ["GET", "GET"]  # nothing deleted at the provider


def test_dry_run_changes_nothing(okta_http):
    row("0oa1")
    stale(row(None, status="pending", label="Interrupted"))
    okta_http.get(APPS, json=[okta_app("0oa1", label="App", status="INACTIVE")])
    report = sync_clients(apply=False)
    assert report.status_mismatch and report.pending_settled
    assert sorted(RegisteredClient.objects.values_list("status", flat=True)) == ["active", "pending"]


def test_interrupted_registration_is_settled(okta_http):
    interrupted = stale(row(None, status="pending", label="Interrupted"))
    fresh = row(None, status="pending", label="In flight")  # younger than PENDING_GRACE: left alone
    okta_http.get(APPS, json=[okta_app("0oaorphan", label="Interrupted", created=okta_now())])
    okta_http.post(f"{APPS}/0oaorphan/lifecycle/deactivate", json={})
    okta_http.delete(f"{APPS}/0oaorphan", status=204)
    report = sync_clients()
    interrupted.refresh_from_db()
    fresh.refresh_from_db()
    assert (interrupted.status, fresh.status) == ("failed", "pending")
    assert report.pending_settled == [f"'Interrupted' (row {interrupted.pk}): failed, 1 removed"]
    assert ("DELETE", f"{APPS}/0oaorphan") in [(c.request.method, c.request.url) for c in okta_http.calls]


def test_dynamic_provider_checks_each_client_and_keeps_rotated_tokens(okta_http, settings):
    settings.REGISTRATION = {**settings.REGISTRATION, "PROVIDER": "dynamic"}
    uri = f"{DCR_ENDPOINT}/dcr1"
    record = RegisteredClient.objects.create(
        label="App",
        client_id="dcr1",
        provider="dynamic",
        status="active",
        provider_credential=encrypt_json({"registration_client_uri": uri, "registration_access_token": "old"}),
    )
    okta_http.get(uri, json={"client_id": "dcr1", "client_name": "App", "registration_access_token": "new"})
    report = sync_clients()
    assert not report.drift and "cannot list" in report.notes[0]
    record.refresh_from_db()
    assert record.ref.credential["registration_access_token"] == "new"
    assert "new" not in record.provider_credential


def test_command_prints_the_report_and_checks(okta_http):
    row("0oa1")
    okta_http.get(APPS, json=[okta_app("0oa1", label="App"), okta_app("0oaX", label="Made by hand")])
    out = StringIO()
    call_command("sync_clients", "--dry-run", stdout=out)
    assert "Only at the provider: 1" in out.getvalue() and "0oaX 'Made by hand'" in out.getvalue()
    with pytest.raises(CommandError, match="Drift") as info:
        call_command("sync_clients", "--check", stdout=StringIO())
    assert info.value.returncode == 1


def test_command_without_drift(okta_http):
    okta_http.get(APPS, json=[])
    out = StringIO()
    call_command("sync_clients", "--check", stdout=out)
    assert "No drift." in out.getvalue()


def test_command_reports_provider_errors_in_one_line(okta_http):
    okta_http.get(APPS, status=401, json={"errorCode": "E0000011", "errorSummary": "Invalid token provided"})
    with pytest.raises(CommandError, match="check TOKEN") as info:
        call_command("sync_clients", stdout=StringIO())
    assert "\n" not in str(info.value)
