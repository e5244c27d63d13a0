"""`manage.py register_client`: prints the client id, the secret once and the token URL."""

import json
from io import StringIO

import pytest
import requests
from django.core.management import CommandError, call_command

from ccproject.commands import CommandFailed
from registration.models import RegisteredClient

from .conftest import API_TOKEN, ORG, okta_app, okta_error

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
    ("fake", "message", "code", "error"),
    [
        ({"json": okta_error("E0000011", "Invalid token provided"), "status": 401}, "check TOKEN", 3,
         "provider_credentials_rejected"),
        ({"json": okta_error("E0000001", "Api validation failed: label", ["label: too long"]), "status": 400},
         "label: too long", 1, "invalid_client_metadata"),
        ({"status": 503, "body": "down"}, "check ORG_URL", 4, "provider_error"),
        ({"body": requests.ConnectionError("refused")}, "retry later", 4, "provider_error"),
        ({"body": requests.Timeout("slow")}, "retry later", 4, "provider_timeout"),
    ],
)  # fmt: skip
def test_failure_is_one_line_with_its_exit_status(okta_http, fake, message, code, error):
    okta_http.post(APPS, **fake)
    okta_http.get(APPS, json=[])  # the search for a client created unseen
    out = StringIO()
    with pytest.raises(CommandFailed, match=message) as info:
        call_command("register_client", "App", "--scope", "hello:read", "--json", stdout=out, stderr=StringIO())
    assert "\n" not in str(info.value) and info.value.returncode == code
    assert json.loads(out.getvalue()) == {"error": error, "error_description": str(info.value)}
    assert API_TOKEN not in str(info.value)


def test_unknown_provider_is_a_usage_error(okta_http):
    with pytest.raises(CommandFailed, match="not in REGISTRATION_PROVIDERS") as info:
        run("App", "--scope", "hello:read", "--provider", "nope")
    assert info.value.returncode == 2


def test_misconfigured_provider_is_a_configuration_error(okta_http, settings):
    settings.REGISTRATION = {**settings.REGISTRATION, "PROVIDER": "missing"}
    with pytest.raises(CommandFailed, match="REGISTRATION_PROVIDERS") as info:
        run("App", "--scope", "hello:read")
    assert info.value.returncode == 3


def test_missing_token_names_it(okta_http, settings):
    settings.TOKEN = ""
    with pytest.raises(CommandFailed, match="set TOKEN") as info:
        run("App", "--scope", "hello:read")
    assert info.value.returncode == 3


def test_invalid_scope_is_a_usage_error(okta_http):
    with pytest.raises(CommandFailed, match="not a valid scope") as info:
        run("App", "--scope", 'bad"scope')
    assert info.value.returncode == 2 and len(okta_http.calls) == 0


def test_scope_is_required():
    with pytest.raises(CommandError, match="--scope"):
        run("App")


def test_create_registrar_prints_shell_assignments_and_how_to_get_its_token(okta_http):
    import subprocess

    okta_http.post(APPS, json=okta_app(secret=SECRET))
    out, err = StringIO(), StringIO()
    call_command("create_registrar", stdout=out, stderr=err)
    body = json.loads(okta_http.calls[0].request.body)
    assert body["label"] == "Registrar"
    assert body["profile"]["scopes"] == ["clients:register", "clients:manage", "hello:read"]
    text = out.getvalue()
    assert "shown only this once" in text
    assert "# REGISTRAR_TOKEN=$(curl -s -u" in text
    assert '--data-urlencode "scope=$REGISTRAR_SCOPE"' in text
    # What `eval "$(manage.py create_registrar)"` sets in a shell.
    shell = subprocess.run(
        [
            "bash",
            "-c",
            'eval "$1"; printf "%s\\n" "$REGISTRAR_CLIENT_ID" "$REGISTRAR_CLIENT_SECRET" "$REGISTRAR_TOKEN_URL" '
            '"$REGISTRAR_SCOPE"',
            "-",
            text,
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert shell.stdout.splitlines() == [
        "0oaapp1",
        SECRET,
        "https://issuer.test/oauth2/default/v1/token",
        "clients:register clients:manage hello:read",
    ]
    row = RegisteredClient.objects.get()
    assert row.label == "Registrar" and row.status == "active"


def test_create_registrar_json(okta_http):
    okta_http.post(APPS, json=okta_app(secret=SECRET))
    out = StringIO()
    call_command(
        "create_registrar", "--json", "--label", "Ops registrar", "--scope", "a:b c:d", stdout=out, stderr=StringIO()
    )
    answer = json.loads(out.getvalue())
    assert answer["client_secret"] == SECRET
    assert answer["label"] == "Ops registrar"
    assert json.loads(okta_http.calls[0].request.body)["profile"]["scopes"] == [
        "clients:register",
        "clients:manage",
        "a:b",
        "c:d",
    ]
