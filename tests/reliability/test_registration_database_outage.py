"""The database going away during a registration, over real HTTP, on a real PostgreSQL.

The service runs under gunicorn on a database of its own, created and dropped by the test; the
provider is a `FakeOkta` on loopback (the embedded one would share the database). The outage is
PostgreSQL's own: `ALLOW_CONNECTIONS false` and `pg_terminate_backend` from an admin connection,
triggered by the provider the moment a create request arrives, or before a registration starts.
"""

import os
import secrets
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
import requests

from tests.support.fake_okta import FakeOkta
from tests.support.registration_service import Registrar, register, registration_service

pytestmark = pytest.mark.e2e


def admin_url() -> tuple[str, str]:
    """An admin URL (the `postgres` database) and a prefix for the throwaway database's name."""
    configured = os.environ.get("DATABASE_URL", "")
    url = configured if configured.startswith("postgres") else "postgres://postgres@127.0.0.1:5432/postgres"
    parts = urlsplit(url)
    prefix = parts.path.strip("/") if configured.startswith("postgres") else "ccp"
    return urlunsplit(parts._replace(path="/postgres")), prefix


class Database:
    """A throwaway PostgreSQL database that a test can take away and give back."""

    def __init__(self):
        self.admin, prefix = admin_url()
        self.name = f"{prefix}_outage_{secrets.token_hex(4)}"
        self.url = urlunsplit(urlsplit(self.admin)._replace(path=f"/{self.name}"))

    def admin_execute(self, sql: str, *params) -> None:
        with psycopg.connect(self.admin, autocommit=True, connect_timeout=3) as connection:
            connection.execute(sql, params or None)

    def down(self) -> None:
        """Refuse new connections and end the open ones, as a crash or failover does for clients."""
        self.admin_execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS false')
        self.admin_execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            self.name,
        )

    def up(self) -> None:
        self.admin_execute(f'ALTER DATABASE "{self.name}" ALLOW_CONNECTIONS true')

    def rows(self) -> list[tuple]:
        with psycopg.connect(self.url, connect_timeout=3) as connection:
            return connection.execute(
                "SELECT status, client_id, label, last_error FROM registration_registeredclient ORDER BY id"
            ).fetchall()

    def events(self) -> list[tuple]:
        with psycopg.connect(self.url, connect_timeout=3) as connection:
            return connection.execute(
                "SELECT action, outcome, reason FROM registration_auditevent ORDER BY id"
            ).fetchall()

    def holds(self, value: str) -> list[str]:
        """Every table with `value` verbatim in a row."""
        found = []
        with psycopg.connect(self.url, connect_timeout=3) as connection:
            tables = connection.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
            for (table,) in tables:
                if any(value in repr(row) for row in connection.execute(f'SELECT * FROM "{table}"')):
                    found.append(table)
        return found


@pytest.fixture
def database():
    db = Database()
    try:
        db.admin_execute(f'CREATE DATABASE "{db.name}"')
    except psycopg.OperationalError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"PostgreSQL is required under CI: {exc}")
        pytest.skip(f"no PostgreSQL: {exc}")
    yield db
    db.admin_execute(f'DROP DATABASE IF EXISTS "{db.name}" WITH (FORCE)')


@pytest.fixture
def service(tmp_path, database):
    registrar = Registrar()
    okta = FakeOkta(token="00-fake-okta-" + secrets.token_urlsafe(24), jwks=registrar.jwks).start()
    deployment = registration_service(tmp_path, okta, database_url=database.url, workers=1, threads=2)
    try:
        deployment.start(ready_path="/register/")
        deployment.registrar = registrar
        yield deployment, okta, registrar.token(okta.issuer)
    finally:
        deployment.stop()
        okta.stop()


def assert_unavailable(response) -> None:
    assert response.status_code == 503, response.text
    body = response.json()
    assert body["error"] == "temporarily_unavailable" and body["error_description"]
    assert int(response.headers["Retry-After"]) > 0
    assert response.headers["Cache-Control"] == "no-store"


def test_database_lost_during_and_before_a_registration(service, database):
    deployment, okta, token = service
    first = register(deployment.base, token, "Before the outage")
    assert first.status_code == 201, first.text
    worker = deployment.worker_pids()

    # The database goes away while the provider creates the client: the service removes it again.
    okta.on_create = database.down
    lost = register(deployment.base, token, "During the outage")
    assert_unavailable(lost)
    assert "removed at the provider again" in lost.json()["error_description"]
    assert okta.active_ids() == {first.json()["client_id"]} and len(okta.apps) == 1

    # Still down when the next registration starts: refused before the provider is asked.
    okta.on_create = None
    creates = okta.requests_to("POST", "/api/v1/apps")
    refused = register(deployment.base, token, "While down")
    assert_unavailable(refused)
    assert "nothing was created" in refused.json()["error_description"]
    assert okta.requests_to("POST", "/api/v1/apps") == creates

    # Back again: the same worker registers without a restart.
    database.up()
    after = register(deployment.base, token, "After the outage")
    assert after.status_code == 201, after.text
    assert deployment.worker_pids() == worker
    ids = {first.json()["client_id"], after.json()["client_id"]}
    assert okta.active_ids() == ids and set(okta.apps) == ids

    # The interrupted registration's row could not be marked failed while the database was down;
    # sync_clients (the documented recovery) settles it and finds nothing left at the provider.
    rows = {label: (status, client_id) for status, client_id, label, _ in database.rows()}
    assert rows == {
        "Before the outage": ("active", first.json()["client_id"]),
        "During the outage": ("pending", None),
        "After the outage": ("active", after.json()["client_id"]),
    }
    deployment.extra_env["REGISTRATION_PENDING_GRACE"] = "0"
    report = deployment.manage("sync_clients", "--check").stdout.decode()
    assert "Interrupted registrations: 1" in report and "0 removed" in report and "No drift" in report
    assert {label: status for status, _, label, _ in database.rows()}["During the outage"] == "failed"

    log = deployment.log.read_text()
    assert "removing it at the provider" in log
    for secret in okta.secrets:
        assert secret not in log and database.holds(secret) == []

    # The audit trail: the registration the database went away under could not be recorded, so it
    # is a line in the log instead (and the answer stayed the 503); the one refused while the
    # database was down never reached the service (its token's record could not be read).
    assert database.events() == [
        ("register", "succeeded", ""),
        ("register", "succeeded", ""),
        ("sync_settle", "succeeded", ""),
        ("sync", "succeeded", ""),
    ]
    unwritten = [line for line in log.splitlines() if "Audit event not written" in line]
    assert len(unwritten) == 1 and "register 0oa" in unwritten[0] and "database_error" in unwritten[0]


def test_database_and_compensation_lost_left_for_sync_clients(service, database):
    deployment, okta, token = service
    assert register(deployment.base, token, "Warm-up").status_code == 201

    # The database goes away after the create, and the provider refuses the removal too.
    okta.on_create = database.down
    okta.fault = lambda method, path: "error503" if path.endswith("/lifecycle/deactivate") else None
    lost = register(deployment.base, token, "Stranded")
    assert_unavailable(lost)
    assert "run sync_clients" in lost.json()["error_description"]
    stranded = [app_id for app_id, app in okta.apps.items() if app["label"] == "Stranded"]
    assert len(stranded) == 1, "the client stays at the provider until sync_clients"

    # Both come back: sync_clients finds the client by the pending row's label and removes it.
    okta.on_create, okta.fault = None, lambda method, path: None
    database.up()
    deployment.extra_env["REGISTRATION_PENDING_GRACE"] = "0"
    report = deployment.manage("sync_clients").stdout.decode()
    assert "1 removed" in report
    assert stranded[0] not in okta.apps
    assert {label: status for status, _, label, _ in database.rows()} == {"Warm-up": "active", "Stranded": "failed"}
    assert "Stranded" not in {app["label"] for app in okta.apps.values()}
    for secret in okta.secrets:
        assert secret not in deployment.log.read_text() and database.holds(secret) == []


def test_the_api_validates_tokens_without_its_database(service, database):
    """Validation needs no database: keys and verified tokens live in memory and the shared cache."""
    deployment, okta, _ = service
    registrar = deployment.registrar
    known = registrar.token(okta.issuer, client_id="caller", scopes=("hello:read",))
    hello = f"{deployment.base}/"

    def call(token: str) -> requests.Response:
        return requests.get(hello, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    assert call(known).status_code == 200
    database.down()
    try:
        for _ in range(3):
            response = call(known)
            assert response.status_code == 200 and response.json() == "Hello World!", response.text
        first_seen = call(registrar.token(okta.issuer, client_id="newcomer", scopes=("hello:read",)))
        assert first_seen.status_code == 200, first_seen.text
        wrong_scope = call(registrar.token(okta.issuer, client_id="caller", scopes=("clients:register",)))
        assert wrong_scope.status_code == 403 and wrong_scope.json()["error"] == "insufficient_scope"
        forged = call(known[:-8] + "AAAAAAAA")
        assert forged.status_code == 401 and forged.json()["error"] == "invalid_token"
    finally:
        database.up()
