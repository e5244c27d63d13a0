"""`manage.py jwks show|refresh`: what the key-set cache holds per trusted issuer, and refreshing it."""

import json
from datetime import UTC, datetime

from django.core.management.base import BaseCommand, CommandError

from api.issuers import trusted_issuers
from api.jwks import get_key_set
from api.remote import FetchError


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "-"
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


class Command(BaseCommand):
    help = (
        "Show (`jwks show`) or fetch now (`jwks refresh`) the cached key set of each trusted issuer: "
        "the jwks_uri, when it was fetched, until when it is fresh, which kids it holds and which keys "
        "were ignored. Exits non-zero, with a one-line reason, when a refresh fails or an issuer has no keys."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["show", "refresh"], help="show the cache, or refresh it from the issuer")
        parser.add_argument("--issuer", default=None, help="Only this trusted issuer (default: every one).")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of text.")

    def handle(self, *args, action: str, issuer: str | None, json: bool, **options):
        policies = trusted_issuers()
        if issuer is not None and issuer not in policies:
            raise CommandError(f"{issuer} is not a trusted issuer (see ISSUER / API_AUTH['ISSUERS']).")
        if not policies:
            raise CommandError("No trusted issuer is configured (set ISSUER).")
        selected = [policies[issuer]] if issuer else list(policies.values())
        reports, failures = [], []
        for policy in selected:
            key_set = get_key_set(policy.issuer, policy.jwks_uri)
            error = None
            if action == "refresh":
                try:
                    key_set.refresh_now()
                except FetchError as exc:
                    error = str(exc)
            report = key_set.status()
            if error or not report["keys"]:
                failures.append(f"{policy.issuer}: {error or 'no key cached'}")
            reports.append({**report, **({"error": error} if error else {})})
        self.stdout.write(_dumps(reports) if json else "\n".join(map(self.render, reports)))
        if failures:
            raise CommandError(("refresh failed for " if action == "refresh" else "no keys for ") + "; ".join(failures))

    def render(self, report: dict) -> str:
        lines = [
            f"issuer:      {report['issuer']}",
            f"jwks_uri:    {report['jwks_uri'] or '(from discovery)'}",
            f"state:       {report['state']}",
            f"fetched at:  {_when(report['fetched_at'])}",
            f"fresh until: {_when(report['fresh_until'])}",
        ]
        lines += [
            f"key:         {key['kid']} {key['kty']} {key['alg']}" + (f" {key['bits']} bits" if "bits" in key else "")
            for key in report["keys"]
        ] or ["keys:        none"]
        lines += [f"ignored:     {reason}" for reason in report["ignored"]]
        if report["last_failure"]:
            failure = report["last_failure"]
            lines.append(f"last error:  {_when(failure.get('at'))} {failure.get('reason')}")
        return "\n".join(lines) + "\n"


def _dumps(value) -> str:
    return json.dumps(value, indent=2, sort_keys=True)
