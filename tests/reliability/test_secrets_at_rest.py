"""No secret at rest or in the open: after a full flow, no client secret, access token or admin
API token appears in the database (other than hashed), in the logs, or in any error body."""

import logging

import pytest
import requests
from django.db import connection

from authserver.models import AdminApiToken
from tests.support.okta_apps import service_app_body

pytestmark = pytest.mark.e2e

APP_BODY = service_app_body("Secrets Scan")


class Everything(logging.Handler):
    """Every log record of every logger, formatted with its arguments and traceback."""

    def __init__(self):
        super().__init__(level=logging.DEBUG)
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture
def all_logs():
    root = logging.getLogger()
    handler, level = Everything(), root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)  # an operator's LOG_LEVEL=DEBUG must not expose secrets either
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def database_text() -> str:
    """Every value of every row of every table, as text."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


def test_no_secret_at_rest_in_logs_or_error_bodies(live_server, settings, all_logs):
    base = live_server.url
    issuer = f"{base}/oauth2/default"
    settings.API_AUTH = {**settings.API_AUTH, "ISSUER": issuer}
    admin_token = AdminApiToken.issue("scan")[1]
    errors: list[requests.Response] = []
    http = requests.Session()
    http.hooks["response"].append(lambda r, *a, **k: errors.append(r) if r.status_code >= 400 else None)

    app = http.post(f"{base}/api/v1/apps", json=APP_BODY, headers={"Authorization": f"SSWS {admin_token}"}, timeout=30)
    assert app.status_code == 200, app.content
    client_id = app.json()["credentials"]["oauthClient"]["client_id"]
    client_secret = app.json()["credentials"]["oauthClient"]["client_secret"]
    grant = {"grant_type": "client_credentials", "scope": "hello:read"}
    access_token = http.post(f"{issuer}/v1/token", data=grant, auth=(client_id, client_secret), timeout=30).json()[
        "access_token"
    ]
    assert http.get(base + "/", headers={"Authorization": f"Bearer {access_token}"}, timeout=30).status_code == 200

    dcr = http.post(
        f"{base}/oauth2/v1/clients",
        json={"client_name": "Scan", "grant_types": ["client_credentials"], "scope": "hello:read"},
        headers={"Authorization": f"Bearer {admin_token}"},
        timeout=30,
    )
    assert dcr.status_code == 201, dcr.content
    registration_token = dcr.json()["registration_access_token"]
    dcr_secret = dcr.json()["client_secret"]
    assert (
        http.get(
            dcr.json()["registration_client_uri"], headers={"Authorization": f"Bearer {registration_token}"}, timeout=30
        ).status_code
        == 200
    )
    introspection = http.post(
        f"{issuer}/v1/introspect", data={"token": access_token}, auth=(client_id, client_secret), timeout=30
    )
    assert introspection.json()["active"] is True

    # Wrong credentials, presented where the real ones go: they must not come back either.
    wrong_secret = "wrong-" + client_secret[::-1]
    wrong_admin = "wrong-" + admin_token[::-1]
    tampered = access_token[:-8] + ("A" * 8 if not access_token.endswith("A" * 8) else "B" * 8)
    assert http.post(f"{issuer}/v1/token", data=grant, auth=(client_id, wrong_secret), timeout=30).status_code == 401
    assert (
        http.get(f"{base}/api/v1/apps", headers={"Authorization": f"SSWS {wrong_admin}"}, timeout=30).status_code == 401
    )
    assert http.get(base + "/", headers={"Authorization": f"Bearer {tampered}"}, timeout=30).status_code == 401
    assert http.get(base + "/", headers={"Authorization": "Bearer " + "x" * 9000}, timeout=30).status_code in (400, 401)
    revoke = http.post(f"{issuer}/v1/revoke", data={"token": access_token}, auth=(client_id, client_secret), timeout=30)
    assert revoke.status_code == 200

    secrets = {
        "client secret": client_secret,
        "DCR client secret": dcr_secret,
        "access token": access_token,
        "access token signature": access_token.rsplit(".", 1)[1],
        "admin API token": admin_token,
        "registration access token": registration_token,
        "wrong secret": wrong_secret,
        "wrong admin token": wrong_admin,
        "tampered token": tampered,
    }
    stored = database_text()
    logged = "\n".join(all_logs.lines)
    # Positive controls: the scan sees what it should (the client id is stored, 401s are logged).
    assert client_id in stored
    assert "Unauthorized" in logged
    assert len(errors) >= 4
    for name, secret in secrets.items():
        assert secret not in stored, f"the {name} is stored in the database"
        assert secret not in logged, f"the {name} appears in the logs"
        for response in errors:
            assert secret not in response.text, f"the {name} is echoed by {response.request.method} {response.url}"
            assert secret not in str(response.headers), f"the {name} is echoed in headers of {response.url}"
