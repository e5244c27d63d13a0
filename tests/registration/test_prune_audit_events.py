"""`manage.py prune_audit_events`: removes events past their retention, in batches; --dry-run counts them."""

import json
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from registration import audit
from registration.models import AuditEvent


def event_aged(days: float, target: str = "") -> AuditEvent:
    return AuditEvent.objects.create(
        action="register",
        outcome="succeeded",
        actor_kind="system",
        target=target,
        created_at=timezone.now() - timedelta(days=days),
    )


def prune(*args: str) -> dict:
    out = StringIO()
    call_command("prune_audit_events", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())


def remaining() -> list[str]:
    return sorted(AuditEvent.objects.values_list("target", flat=True))


def test_removes_only_what_is_older_than_the_boundary():
    event_aged(30 + 1 / 1440, "just older")  # a minute past 30 days
    event_aged(30 - 1 / 1440, "just younger")
    event_aged(400, "old")
    event_aged(0, "new")
    result = prune("--older-than", "30")
    assert result["events"] == 2 and result["older_than_days"] == 30 and result["dry_run"] is False
    assert remaining() == ["just younger", "new"]


def test_the_default_is_the_retention_setting(settings):
    event_aged(366, "past a year")
    event_aged(364, "within a year")
    assert prune()["older_than_days"] == 365
    assert remaining() == ["within a year"]
    settings.REGISTRATION = {**settings.REGISTRATION, "AUDIT_RETENTION_DAYS": 100}
    result = prune()
    assert (result["events"], result["older_than_days"]) == (1, 100) and remaining() == []


def test_a_dry_run_counts_and_removes_nothing():
    for days in (10, 20, 40):
        event_aged(days, f"{days}")
    out = StringIO()
    call_command("prune_audit_events", "--older-than", "15", "--dry-run", stdout=out, stderr=StringIO())
    assert out.getvalue().startswith("2 audit event(s) older than 15 days")
    assert "would be removed (dry run)" in out.getvalue()
    assert remaining() == ["10", "20", "40"]


def test_deletes_in_batches(monkeypatch):
    for n in range(7):
        event_aged(50, f"old {n}")
    event_aged(1, "kept")
    batches = []
    original = audit.prune

    def counting(*, before, progress):
        return original(before=before, batch_size=3, progress=batches.append)

    monkeypatch.setattr("registration.management.commands.prune_audit_events.prune", counting)
    assert prune("--older-than", "30")["events"] == 7
    assert batches == [3, 6, 7] and remaining() == ["kept"]


@pytest.mark.parametrize("value", ["0", "-1", "1.5", "abc", "", "36501", "9" * 5000, "\uff11\uff12", "1e3", " 7 x"])
def test_a_bad_older_than_is_a_usage_error(value):
    event_aged(400)
    with pytest.raises(CommandError, match="--older-than takes a whole number of days from 1 to 36500") as failed:
        call_command("prune_audit_events", "--older-than", value, stdout=StringIO(), stderr=StringIO())
    assert failed.value.returncode == 2 and AuditEvent.objects.count() == 1


def test_a_bad_older_than_in_json():
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("prune_audit_events", "--older-than", "zero", "--json", stdout=out, stderr=StringIO())
    body = json.loads(out.getvalue())
    assert body["error"] == "invalid_request" and "--older-than" in body["error_description"]


@pytest.mark.parametrize("value", [0, -5, "365", None, True, 10**9])
def test_a_bad_retention_setting_names_it(settings, value):
    settings.REGISTRATION = {**settings.REGISTRATION, "AUDIT_RETENTION_DAYS": value}
    with pytest.raises(CommandError, match="set AUDIT_RETENTION_DAYS") as failed:
        call_command("prune_audit_events", stdout=StringIO(), stderr=StringIO())
    assert failed.value.returncode == 3
    # --older-than does not need the setting.
    assert prune("--older-than", "1")["events"] == 0
