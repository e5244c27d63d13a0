"""`manage.py register_client`: prints the client id, the secret once and the token URL."""

import json
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from registration.models import RegisteredClient

from .conftest import ORG, okta_app, okta_error

APPS = f"{ORG}/api/v1/apps"
SECRET = "secret-" + "s" * 57


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("register_client", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_prints_id_secret_and_token_url(okta_http):
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    out, err = run("Awesome App Name", "--scope", "hello:read", "--scope", "clients:register")
    assert out.splitlines() == [
        "Client ID:     0oaapp1",
        f"Client secret: {SECRET}",
        "Token URL:     https://issuer.test/oauth2/default/v1/token",
        "Scopes:        hello:read clients:register",
    ]
    assert "shown only this once" in err
    assert json.loads(okta_http.calls[0].request.body)["label"] == "Awesome App Name"
    row = RegisteredClient.objects.get()
    assert row.status == "active" and row.creator.startswith("cli:")


def test_json_output(okta_http):
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    out, _ = run("App", "--scope", "hello:read", "--json")
    assert json.loads(out)["client_secret"] == SECRET


@pytest.mark.parametrize(
    ("fake", "message"),
    [
        ({"json": okta_error("E0000011", "Invalid token provided"), "status": 401}, "check TOKEN"),
        ({"json": okta_error("E0000001", "Api validation failed: label", ["label: too long"]), "status": 400},
         "label: too long"),
    ],
)  # fmt: skip
def test_failure_is_one_line_and_non_zero(okta_http, fake, message):
    okta_http.post(APPS, **fake)
    with pytest.raises(CommandError, match=message) as info:
        run("App", "--scope", "hello:read")
    assert "\n" not in str(info.value) and info.value.returncode == 1


def test_unknown_provider(okta_http):
    with pytest.raises(CommandError, match="no provider 'nope'"):
        run("App", "--scope", "hello:read", "--provider", "nope")


def test_scope_is_required():
    with pytest.raises(CommandError, match="--scope"):
        run("App")
