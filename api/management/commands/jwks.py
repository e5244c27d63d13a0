"""`manage.py jwks show|refresh`: what the key-set cache holds per trusted issuer, and refreshing it."""

from datetime import UTC, datetime

from api.issuers import trusted_issuers
from api.jwks import get_key_set
from api.remote import FetchError
from ccproject.commands import EXIT_USAGE, CommandFailed, ConfigurationError, ProjectCommand, Unavailable


def _when(timestamp: float | None) -> str:
    if timestamp is None:
        return "-"
    return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")


class Command(ProjectCommand):
    help = (
        "Show (`jwks show`) or fetch now (`jwks refresh`) the cached key set of each trusted issuer: "
        "the jwks_uri, when it was fetched, until when it is fresh, which kids it holds and which keys "
        "were ignored. Exits non-zero, with a one-line reason, when a refresh fails or an issuer has no keys."
    )

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["show", "refresh"], help="show the cache, or refresh it from the issuer")
        parser.add_argument("--issuer", default=None, help="Only this trusted issuer (default: every one).")

    def handle(self, *args, action: str, issuer: str | None, **options):
        policies = trusted_issuers()
        if issuer is not None and issuer not in policies:
            raise CommandFailed(
                f"{issuer} is not a trusted issuer (see ISSUER / API_AUTH['ISSUERS']).",
                error="unknown_issuer",
                returncode=EXIT_USAGE,
            )
        if not policies:
            raise ConfigurationError("No trusted issuer is configured", setting="ISSUER")
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
        self.emit(reports, "\n".join(map(self.render, reports)))
        if failures and action == "refresh":
            raise Unavailable("refresh failed for " + "; ".join(failures))
        if failures:
            raise CommandFailed("no keys for " + "; ".join(failures), error="no_keys")

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
