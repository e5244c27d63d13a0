"""`manage.py bootstrap`: make the embedded server usable and write its credentials to `.env`."""

import json
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction
from jwt.algorithms import ECAlgorithm

from authserver.credentials import clean_public_jwk
from authserver.keys import ensure_signing_key
from authserver.management.envfile import append_env, is_embedded_issuer, read_env_names, rebase_env, url_values
from authserver.models import AdminApiToken, Client
from authserver.service_clients import create_service_client
from ccproject.commands import ConfigurationError, ProjectCommand

__all__ = ["Command", "is_embedded_issuer", "read_env_names"]


class Command(ProjectCommand):
    # Its output is for a person; what a script needs it writes to .env.
    json_output = False
    help = (
        "Prepare the embedded authorization server (idempotent): create the signing key, a test "
        "client with the default scope and an admin API token, and write TEST_CLIENT_ID, "
        "TEST_CLIENT_SECRET, TOKEN, ISSUER, ORG_URL, API_URL, RESOURCE and DEFAULT_SCOPE into .env where "
        "they are not set yet. With --base-url it moves the URL lines it wrote itself to that base URL and says "
        "so. With an ISSUER that is not this server it creates no client or token and writes only API_URL, "
        "RESOURCE and DEFAULT_SCOPE. Never changes a line you wrote, and never prints a secret (they go to .env, "
        "chmod 600)."
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
            help="Where this server will listen, e.g. http://127.0.0.1:8000: sets the ISSUER, ORG_URL, "
            "API_URL and RESOURCE written to .env (default: the current settings).",
        )
        parser.add_argument(
            "--keyless",
            action="store_true",
            help="Make a new test client a private_key_jwt client: its private key (a JWK, P-256) goes to "
            "--key-file with mode 600 and TEST_CLIENT_KEY names it; no secret is made.",
        )
        parser.add_argument(
            "--key-file",
            default=None,
            help="Where --keyless writes the private key (default: test-client-key.jwk beside the .env file).",
        )

    @transaction.atomic
    def handle(
        self, *args, env_file: str, base_url: str | None = None, keyless=False, key_file: str | None = None, **options
    ):
        base = base_url.rstrip("/") if base_url else None
        embedded = is_embedded_issuer(settings.ISSUER)
        key = ensure_signing_key()
        self.stdout.write(f"Signing key: {key.kid} ({key.algorithm})")
        path = Path(env_file)
        if base:
            self._rebase(path, base)
        urls = (
            url_values(base)
            if base
            else {
                "ISSUER": settings.ISSUER,
                "ORG_URL": settings.ORG_URL,
                "API_URL": settings.API_URL,
                "RESOURCE": settings.RESOURCE,
            }
        )
        # RESOURCE: the API's identifier (RFC 8707), which clients ask the issuer for.
        defaults = {"DEFAULT_SCOPE": settings.DEFAULT_SCOPE, "API_URL": urls["API_URL"], "RESOURCE": urls["RESOURCE"]}
        if embedded:
            defaults.update(ISSUER=urls["ISSUER"], ORG_URL=urls["ORG_URL"])
            key_path = Path(key_file) if key_file else path.parent / "test-client-key.jwk"
            defaults.update(self._ensure_test_client(key_path if keyless else None))
            defaults.update(self._ensure_admin_token())
        else:
            self.stdout.write(
                f"ISSUER is {settings.ISSUER}, not this server: no embedded client or admin token created, "
                "TEST_CLIENT_ID and TEST_CLIENT_SECRET left as they are."
            )
        present = read_env_names(path)
        lines = [f"{name}={value}" for name, value in defaults.items() if name not in present]
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

    def _rebase(self, path: Path, base: str) -> None:
        """Move the URL lines bootstrap wrote to `base`; name the user's lines that point elsewhere."""
        try:
            rebased = rebase_env(path, base)
        except OSError as exc:
            raise ConfigurationError(
                f"Cannot update {path} ({exc.strerror or type(exc).__name__})", setting="ENV_FILE"
            ) from exc
        for change in rebased.changed:
            self.stdout.write(self.style.SUCCESS(f"Updated {change.name} in {path}: {change.old} -> {change.new}."))
        for change in rebased.left_alone:
            self.stdout.write(
                self.style.WARNING(
                    f"{change.name}={change.old} in {path} is your line, left as it is; this server listens on "
                    f"{base} ({change.name}={change.new})."
                )
            )

    def _ensure_test_client(self, key_path: Path | None = None) -> dict[str, str]:
        client_id, secret = settings.TEST_CLIENT_ID, settings.TEST_CLIENT_SECRET
        if client_id and Client.objects.filter(client_id=client_id).exists():
            self.stdout.write(f"Test client {client_id} exists.")
            return {}
        if key_path is not None:
            return self._create_keyless_test_client(client_id or secrets.token_urlsafe(15), key_path)
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

    def _create_keyless_test_client(self, client_id: str, key_path: Path) -> dict[str, str]:
        """A private_key_jwt test client: the private key to a new file only this user can read."""
        private_key = ec.generate_private_key(ec.SECP256R1())
        kid = "bootstrap-" + secrets.token_urlsafe(9)
        private_jwk = {**ECAlgorithm.to_jwk(private_key, as_dict=True), "kid": kid, "alg": "ES256", "use": "sig"}
        public_jwk = {name: value for name, value in private_jwk.items() if name not in ("d", "key_ops")}
        try:
            # O_EXCL: never overwrite a key someone relies on; 0o600 from the first byte, not after a chmod.
            descriptor = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            raise ConfigurationError(
                f"Cannot create the key file {key_path} ({exc.strerror or type(exc).__name__})", setting="ENV_FILE"
            ) from exc
        with os.fdopen(descriptor, "w") as handle:
            json.dump(private_jwk, handle)
        create_service_client(
            label="Test Client",
            scopes=settings.DEFAULT_SCOPE.split(),
            client_id=client_id,
            auth_method=Client.PRIVATE_KEY_JWT,
            jwks=[clean_public_jwk(public_jwk)],
        )
        self.stdout.write(f"Created keyless test client {client_id} (private_key_jwt); its private key: {key_path}.")
        return {"TEST_CLIENT_ID": client_id, "TEST_CLIENT_KEY": str(key_path.resolve())}

    def _ensure_admin_token(self) -> dict[str, str]:
        if settings.TOKEN and AdminApiToken.objects.get_by_token(settings.TOKEN):
            self.stdout.write("Admin API token exists.")
            return {}
        _, raw = AdminApiToken.issue("bootstrap", token=settings.TOKEN or None)
        self.stdout.write("Created the admin API token (TOKEN).")
        return {} if settings.TOKEN else {"TOKEN": raw}
