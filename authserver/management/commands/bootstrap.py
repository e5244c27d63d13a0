"""`manage.py bootstrap`: make the embedded server usable and write its credentials to `.env`."""

import ipaddress
import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction

from api.management.base import ConfigurationError, ProjectCommand
from authserver.clients import create_service_client
from authserver.keys import ensure_signing_key
from authserver.models import AdminApiToken, Client


def is_embedded_issuer(issuer: str) -> bool:
    """Whether an issuer looks like this project's own server: loopback, `/oauth2/{id}`."""
    parts = urlsplit(issuer)
    host = (parts.hostname or "").strip("[]")
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return loopback and "/oauth2/" in parts.path


def read_env_names(path: Path) -> set[str]:
    """The variable names a `.env` file assigns (comments and blank lines skipped)."""
    if not path.exists():
        return set()
    names = set()
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            names.add(line.split("=", 1)[0].removeprefix("export ").strip())
    return names


def append_env(path: Path, lines: list[str]) -> None:
    """Append `lines` to a `.env` readable by its owner only."""
    with path.open("a") as env:
        if path.stat().st_size and not path.read_text().endswith("\n"):
            env.write("\n")
        env.write("# Written by `manage.py bootstrap`.\n" + "\n".join(lines) + "\n")
    path.chmod(0o600)


class Command(ProjectCommand):
    # Its output is for a person; what a script needs it writes to .env.
    json_output = False
    help = (
        "Prepare the embedded authorization server (idempotent): create the signing key, a test "
        "client with the default scope and an admin API token, and write TEST_CLIENT_ID, "
        "TEST_CLIENT_SECRET, TOKEN, ORG_URL and ISSUER into .env where they are not set yet. "
        "Never overwrites a line you wrote, and never prints a secret (they go to .env, chmod 600)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--env-file",
            default=os.environ.get("ENV_FILE", str(settings.BASE_DIR / ".env")),
            help="The .env file to complete (default: %(default)s).",
        )
        parser.add_argument(
            "--base-url",
            default=None,
            help="Where this server will listen, e.g. http://127.0.0.1:8000: sets the ISSUER, ORG_URL and "
            "API_URL written to .env (default: the current settings).",
        )

    @transaction.atomic
    def handle(self, *args, env_file: str, base_url: str | None = None, **options):
        base = base_url.rstrip("/") if base_url else None
        issuer = f"{base}/oauth2/default" if base else settings.ISSUER
        key = ensure_signing_key()
        self.stdout.write(f"Signing key: {key.kid} ({key.algorithm})")
        additions: dict[str, str] = {}
        if is_embedded_issuer(issuer):
            additions.update(self._ensure_test_client())
            additions.update(self._ensure_admin_token())
        else:
            self.stdout.write(f"ISSUER is {issuer}: not the embedded server, no local client created.")
        path = Path(env_file)
        present = read_env_names(path)
        defaults = {
            "ISSUER": issuer,
            "DEFAULT_SCOPE": settings.DEFAULT_SCOPE,
            "ORG_URL": base or settings.ORG_URL,
            "API_URL": f"{base}/" if base else settings.API_URL,
        }
        lines = [f"{name}={value}" for name, value in {**defaults, **additions}.items() if name not in present]
        if lines:
            try:
                append_env(path, lines)
            except OSError as exc:
                # Rolls back the atomic block: no client whose secret was never written down.
                raise ConfigurationError(
                    f"Cannot write {path} ({exc.strerror or type(exc).__name__})", setting="ENV_FILE"
                ) from exc
            names = ", ".join(line.split("=", 1)[0] for line in lines)
            self.stdout.write(self.style.SUCCESS(f"Wrote {names} to {path}."))
        else:
            self.stdout.write(f"{path} already has every setting; nothing written.")

    def _ensure_test_client(self) -> dict[str, str]:
        client_id, secret = settings.TEST_CLIENT_ID, settings.TEST_CLIENT_SECRET
        if client_id and Client.objects.filter(client_id=client_id).exists():
            self.stdout.write(f"Test client {client_id} exists.")
            return {}
        new = not (client_id and secret)
        if new:
            client_id, secret = secrets.token_urlsafe(15), secrets.token_urlsafe(32)
        create_service_client(
            label="Test Client",
            scopes=settings.DEFAULT_SCOPE.split(),
            client_id=client_id,
            secret=secret,
        )
        self.stdout.write(f"Created test client {client_id} with scope {settings.DEFAULT_SCOPE}.")
        return {"TEST_CLIENT_ID": client_id, "TEST_CLIENT_SECRET": secret} if new else {}

    def _ensure_admin_token(self) -> dict[str, str]:
        if settings.TOKEN and AdminApiToken.objects.get_by_token(settings.TOKEN):
            self.stdout.write("Admin API token exists.")
            return {}
        _, raw = AdminApiToken.issue("bootstrap", token=settings.TOKEN or None)
        self.stdout.write("Created the admin API token (TOKEN).")
        return {} if settings.TOKEN else {"TOKEN": raw}
