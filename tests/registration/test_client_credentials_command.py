"""`manage.py client_credentials CLIENT_ID secrets|keys`: rotation from the command line, and its usage errors."""

import json
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ccproject.commands import EXIT_FAILED, EXIT_USAGE
from registration.models import AuditEvent, RegisteredClient
from registration.services import register_client
from tests.support.assertions import public_jwk, rsa_private_key

from .conftest import ORG, okta_app, okta_error
from .test_audit import NEW_SECRET, secret_json

SECRETS = f"{ORG}/api/v1/apps/0oaapp1/credentials/secrets"
FIRST_SECRET = "first-secret-" + "f" * 51


@pytest.fixture
def client_row(okta_http) -> RegisteredClient:
    okta_http.post(f"{ORG}/api/v1/apps", json=okta_app(secret=FIRST_SECRET))
    return register_client(label="Rotated", scopes=["hello:read"]).client


@pytest.fixture
def key_client_row(okta_http) -> RegisteredClient:
    app = okta_app(app_id="0oakeyless")
    app["credentials"]["oauthClient"]["token_endpoint_auth_method"] = "private_key_jwt"
    okta_http.post(f"{ORG}/api/v1/apps", json=app)
    jwks = {"keys": [public_jwk(rsa_private_key(), "k1")]}
    return register_client(label="Keyless", scopes=["hello:read"], jwks=jwks).client


def run(*args: str) -> tuple[object, str]:
    out, err = StringIO(), StringIO()
    call_command("client_credentials", *args, "--json", stdout=out, stderr=err)
    return json.loads(out.getvalue()), err.getvalue()


def test_a_secret_rotation_from_the_command_line(client_row, okta_http):
    okta_http.post(SECRETS, json=secret_json("ocs2", "2026-12-01T00:00:00.000Z", NEW_SECRET), status=201)
    created, _ = run("0oaapp1", "secrets", "--create")
    assert (created["id"], created["client_secret"]) == ("ocs2", NEW_SECRET)  # shown once, here
    okta_http.get(
        SECRETS,
        json=[
            secret_json("ocs1", "2026-11-01T00:00:00.000Z", "leaky-value"),
            secret_json("ocs2", "2026-12-01T00:00:00.000Z"),
        ],
    )
    listed, _ = run("0oaapp1", "secrets")
    assert [(s["id"], s["status"]) for s in listed] == [("ocs1", "ACTIVE"), ("ocs2", "ACTIVE")]
    assert "leaky-value" not in json.dumps(listed)  # a provider that echoes a value is not repeated
    okta_http.post(f"{SECRETS}/ocs1/lifecycle/deactivate", json=secret_json("ocs1", "2026-11-01T00:00:00.000Z"))
    okta_http.delete(f"{SECRETS}/ocs1", status=204)
    assert run("0oaapp1", "secrets", "--retire-older")[0] == {"retired": 1}
    actions = list(AuditEvent.objects.order_by("id").values_list("action", "actor_kind", "outcome"))
    assert actions[-2:] == [("secret_create", "system", "succeeded"), ("secret_retire_older", "system", "succeeded")]
    assert not any(NEW_SECRET in str(row) for row in RegisteredClient.objects.values())


def test_retiring_one_secret(client_row, okta_http):
    okta_http.post(f"{SECRETS}/ocs1/lifecycle/deactivate", json=secret_json("ocs1", "2026-11-01T00:00:00.000Z"))
    okta_http.delete(f"{SECRETS}/ocs1", status=204)
    assert run("0oaapp1", "secrets", "--retire", "ocs1")[0] == {"retired": "ocs1"}
    assert AuditEvent.objects.order_by("id").last().action == "secret_retire"


@pytest.mark.parametrize(
    ("args", "message", "code"),
    [
        (("0oaunknown", "secrets"), "No registered client '0oaunknown'", EXIT_FAILED),
        (("0oaapp1", "secrets", "--add", "key.json"), "--add is for keys", EXIT_USAGE),
        (("0oaapp1", "keys", "--create"), "keys take --add FILE or --retire ID", EXIT_USAGE),
        (("0oaapp1", "keys", "--retire-older"), "keys take --add FILE or --retire ID", EXIT_USAGE),
    ],
)
def test_usage_errors_are_refused_before_the_provider_is_asked(client_row, okta_http, args, message, code):
    calls_before = len(okta_http.calls)
    with pytest.raises(CommandError, match=message) as refused:
        run(*args)
    assert refused.value.returncode == code
    assert len(okta_http.calls) == calls_before


def test_a_secret_the_provider_does_not_know_is_a_failure_with_its_reason(client_row, okta_http):
    okta_http.post(f"{SECRETS}/ocs9/lifecycle/deactivate", status=404, json=okta_error("E0000007", "Not found: ocs9"))
    with pytest.raises(CommandError) as refused:
        run("0oaapp1", "secrets", "--retire", "ocs9")
    assert refused.value.returncode != 0
    assert "ocs9" in str(refused.value)
    assert AuditEvent.objects.order_by("id").last().outcome == "refused"


def test_a_keyless_client_has_no_secret_to_create(okta_http, key_client_row):
    with pytest.raises(CommandError, match="private_key_jwt") as refused:
        run(key_client_row.client_id, "secrets", "--create")
    assert refused.value.returncode != 0
