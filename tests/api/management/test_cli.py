"""call_api and get_token: output, --json, one-line errors naming the setting, exit codes (faked issuer)."""

import json
from io import StringIO

import pytest
import requests
import responses
from django.core.management import call_command, get_commands, load_command_class

from ccproject.commands import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_UNAVAILABLE,
    CommandFailed,
    ConfigurationError,
    ProjectCommand,
)

ISSUER = "https://idp.test/oauth2/default"
TOKEN_URL = f"{ISSUER}/v1/token"
API = "https://api.test/"
TOKEN = {"access_token": "eyJ.header.sig", "token_type": "Bearer", "expires_in": 3600, "scope": "hello:read"}


@pytest.fixture
def cli_settings(settings):
    settings.ISSUER = ISSUER
    settings.API_URL = API
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_SECRET = "cli-client", "cli-secret-value"
    settings.DEFAULT_SCOPE = "hello:read"
    return settings


@pytest.fixture
def http():
    """The issuer (its RFC 8414 metadata names its token endpoint, as Okta's does) and the API, faked."""
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        mock.get(
            "https://idp.test/.well-known/oauth-authorization-server/oauth2/default",
            json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/v1/keys", "token_endpoint": TOKEN_URL},
        )
        yield mock


def sent(http, method: str) -> list:
    """The requests the command sent with `method` (the metadata GET aside)."""
    return [
        call.request for call in http.calls if call.request.method == method and "well-known" not in call.request.url
    ]


def run(name: str, *args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(name, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def fail(name: str, *args: str) -> tuple[CommandFailed, str]:
    out = StringIO()
    with pytest.raises(CommandFailed) as info:
        call_command(name, *args, stdout=out, stderr=StringIO())
    return info.value, out.getvalue()


def test_get_token_prints_only_the_token(cli_settings, http):
    http.post(TOKEN_URL, json=TOKEN)
    out, err = run("get_token")
    assert out == "eyJ.header.sig\n"
    assert err == ""
    (request,) = sent(http, "POST")
    assert request.headers["Authorization"].startswith("Basic ")
    assert "scope=hello%3Aread" in request.body


def test_get_token_json_and_scope(cli_settings, http):
    http.post(TOKEN_URL, json={**TOKEN, "scope": "clients:register"})
    out, _ = run("get_token", "--json", "--scope", "clients:register")
    assert json.loads(out) == {**TOKEN, "scope": "clients:register"}
    assert "scope=clients%3Aregister" in sent(http, "POST")[0].body


def test_token_endpoint_setting_is_used(cli_settings, http):
    cli_settings.API_AUTH = {**cli_settings.API_AUTH, "TOKEN_ENDPOINT": "https://sso.test/token"}
    http.post("https://sso.test/token", json=TOKEN)
    assert run("get_token")[0].strip() == TOKEN["access_token"]
    assert [call.request.url for call in http.calls] == ["https://sso.test/token"]  # no discovery


def test_the_token_endpoint_the_issuers_metadata_names_is_used(cli_settings, http):
    elsewhere = "https://idp.test/oauth2/default/protocol/openid-connect/token"
    http.replace(
        "GET",
        "https://idp.test/.well-known/oauth-authorization-server/oauth2/default",
        json={"issuer": ISSUER, "jwks_uri": f"{ISSUER}/keys", "token_endpoint": elsewhere},
    )
    http.post(elsewhere, json=TOKEN)
    assert run("get_token")[0].strip() == TOKEN["access_token"]
    assert sent(http, "POST")[0].url == elsewhere


def test_without_metadata_the_okta_layout_is_used(cli_settings, http):
    http.replace("GET", "https://idp.test/.well-known/oauth-authorization-server/oauth2/default", status=404)
    http.post(TOKEN_URL, json=TOKEN)
    assert run("get_token")[0].strip() == TOKEN["access_token"]


def test_missing_credentials_is_a_configuration_error(cli_settings):
    cli_settings.TEST_CLIENT_SECRET = ""
    error, out = fail("get_token", "--json")
    assert error.returncode == EXIT_CONFIG
    assert "TEST_CLIENT_ID and TEST_CLIENT_SECRET" in str(error)
    assert json.loads(out) == {"error": "configuration_error", "error_description": str(error)}


def test_refused_credentials_name_the_settings(cli_settings, http):
    http.post(TOKEN_URL, status=401, json={"error": "invalid_client", "error_description": "Bad client."})
    error, _ = fail("get_token")
    assert error.returncode == EXIT_FAILED
    assert error.error == "invalid_client"
    assert str(error) == (
        f"The token request to {TOKEN_URL} failed: invalid_client: Bad client; "
        "check TEST_CLIENT_ID and TEST_CLIENT_SECRET."
    )
    assert "cli-secret-value" not in str(error)


def test_invalid_scope_names_default_scope(cli_settings, http):
    http.post(TOKEN_URL, status=400, json={"error": "invalid_scope"})
    error, _ = fail("get_token", "--scope", "nope")
    assert error.error == "invalid_scope"
    assert "DEFAULT_SCOPE" in str(error)


@pytest.mark.parametrize(
    "failure", [{"body": requests.ConnectionError("refused")}, {"status": 502, "body": "Bad gateway"}]
)
def test_unreachable_issuer_is_unavailable(cli_settings, http, failure):
    http.post(TOKEN_URL, **failure)
    error, _ = fail("call_api")
    assert error.returncode == EXIT_UNAVAILABLE
    assert "ISSUER" in str(error)


def test_a_token_endpoint_that_is_not_there_names_its_url_and_the_settings(cli_settings, http):
    # A server with another layout (oidc-provider's endpoint is {ISSUER}/token): Okta's guess is a 404.
    http.post(TOKEN_URL, status=404, body="<html>Not Found</html>")
    error, _ = fail("get_token")
    assert error.returncode == EXIT_FAILED
    assert TOKEN_URL in str(error)
    assert "HTTP 404" in str(error)
    assert "check ISSUER and TOKEN_ENDPOINT (unset, so the token_endpoint of the issuer's metadata" in str(error)
    cli_settings.API_AUTH = {**cli_settings.API_AUTH, "TOKEN_ENDPOINT": "https://idp.test/token"}
    http.post("https://idp.test/token", status=405)
    error, _ = fail("get_token")
    assert str(error).endswith("failed: HTTP 405; check TOKEN_ENDPOINT.")
    assert "https://idp.test/token" in str(error)


def test_no_audience_or_resource_unless_asked(cli_settings, http):
    http.post(TOKEN_URL, json=TOKEN)
    run("get_token")
    assert "audience" not in sent(http, "POST")[0].body
    assert "resource" not in sent(http, "POST")[0].body


def test_audience_and_resource_from_settings_and_flags(cli_settings, http):
    from urllib.parse import parse_qs

    http.post(TOKEN_URL, json=TOKEN)
    http.get(API, json="Hello World!")
    cli_settings.TOKEN_AUDIENCE = "https://api.example.com"
    cli_settings.TOKEN_RESOURCE = ["https://api.example.com/", "urn:other"]
    run("call_api")
    form = parse_qs(sent(http, "POST")[0].body)
    assert form["audience"] == ["https://api.example.com"]
    assert form["resource"] == ["https://api.example.com/", "urn:other"]
    run("get_token", "--audience", "aud-flag", "--resource", "https://one.test/", "--resource", "https://two.test/")
    form = parse_qs(sent(http, "POST")[1].body)
    assert form["audience"] == ["aud-flag"]
    assert form["resource"] == ["https://one.test/", "https://two.test/"]


def test_invalid_target_names_token_resource(cli_settings, http):
    http.post(TOKEN_URL, status=400, json={"error": "invalid_target", "error_description": "Unknown resource."})
    error, _ = fail("get_token", "--resource", "https://nope.test/")
    assert error.error == "invalid_target"
    assert "TOKEN_RESOURCE (or --resource)" in str(error)


def test_call_api_prints_the_answer(cli_settings, http):
    http.post(TOKEN_URL, json=TOKEN)
    http.get(API, json="Hello World!")
    out, _ = run("call_api")
    assert out == "Hello World!\n"
    assert sent(http, "GET")[0].headers["Authorization"] == f"Bearer {TOKEN['access_token']}"


def test_call_api_json(cli_settings, http):
    http.post(TOKEN_URL, json=TOKEN)
    http.get("https://other.test/x", json={"a": 1})
    out, _ = run("call_api", "--json", "--url", "https://other.test/x")
    assert json.loads(out) == {"status": 200, "body": {"a": 1}}


@pytest.mark.parametrize(
    ("status", "body", "code", "error", "hint"),
    [
        (401, {"error": "invalid_token", "error_description": "Expired."}, 1, "invalid_token", "restart it"),
        (403, {"error": "insufficient_scope", "error_description": "x"}, 1, "insufficient_scope", "DEFAULT_SCOPE"),
        (503, {"error": "temporarily_unavailable", "error_description": "keys"}, 4, "temporarily_unavailable", "retry"),
        (500, "<html>oops</html>", 4, "temporarily_unavailable", "retry"),
        (404, "Not Found", 1, "http_404", f"The API at {API} answered 404; check API_URL"),
    ],
)
def test_call_api_explains_what_the_api_answered(cli_settings, http, status, body, code, error, hint):
    http.post(TOKEN_URL, json=TOKEN)
    http.get(API, status=status, **({"json": body} if isinstance(body, dict) else {"body": body}))
    failure, out = fail("call_api", "--json")
    assert failure.returncode == code
    assert failure.error == error
    assert hint in str(failure)
    assert "\n" not in str(failure)
    assert TOKEN["access_token"] not in str(failure)
    assert json.loads(out)["error"] == error


def test_unreachable_api_names_api_url(cli_settings, http):
    http.post(TOKEN_URL, json=TOKEN)
    http.get(API, body=requests.ConnectionError("refused"))
    error, _ = fail("call_api")
    assert error.returncode == EXIT_UNAVAILABLE
    assert "API_URL" in str(error)


def test_progress_goes_to_stderr_at_verbosity_2(cli_settings, http):
    http.post(TOKEN_URL, json=TOKEN)
    http.get(API, json="Hello World!")
    out, err = run("call_api", "--verbosity", "2")
    assert out == "Hello World!\n"
    assert f"Getting a token from {TOKEN_URL}" in err
    assert f"Calling GET {API}" in err


def test_configuration_error_names_each_setting():
    error = ConfigurationError("No issuer is configured.", setting=["ISSUER", "AUDIENCE"])
    assert str(error) == "No issuer is configured: set ISSUER and AUDIENCE (in .env or the environment)."
    assert error.returncode == EXIT_CONFIG


def project_commands() -> list[str]:
    names = []
    for name, app in get_commands().items():
        if app.startswith(("django", "rest_framework", "oauth2_provider", "drf_spectacular")):
            continue
        if isinstance(load_command_class(app, name), ProjectCommand):
            names.append(name)
    return sorted(names)


def test_call_api_and_get_token_follow_the_conventions():
    assert {"call_api", "get_token"} <= set(project_commands())


@pytest.mark.parametrize("name", project_commands())
def test_help_explains_the_command_and_its_exit_codes(name):
    app = get_commands()[name]
    command = load_command_class(app, name)
    text = command.create_parser("manage.py", name).format_help()
    assert len(command.help) > 60
    assert "Exit status:" in text
    assert "3 a setting is missing or wrong" in text
    if command.json_output:
        assert "--json" in text


class PartialFailure(ProjectCommand):
    help = "A command that reports a result and then fails, to check the JSON convention."

    def handle(self, *args, **options):
        self.emit({"checked": 2, "failed": 1}, "checked 2, failed 1")
        raise CommandFailed("One check failed.", error="check_failed")


def test_a_failure_after_output_prints_one_json_document():
    out = StringIO()
    with pytest.raises(CommandFailed):
        call_command(PartialFailure(), "--json", stdout=out, stderr=StringIO())
    assert json.loads(out.getvalue()) == {"checked": 2, "failed": 1}


def test_a_401_from_an_api_trusting_another_issuer_says_to_restart_it(cli_settings, http):
    metadata = "https://api.test/.well-known/oauth-protected-resource"
    challenge = f'Bearer realm="api", error="invalid_token", resource_metadata="{metadata}"'
    http.post(TOKEN_URL, json=TOKEN)
    http.get(API, status=401, json={"error": "invalid_token", "error_description": "Untrusted issuer."},
             headers={"WWW-Authenticate": challenge})  # fmt: skip
    http.get(
        metadata,
        json={"resource": "https://api.test", "authorization_servers": ["http://127.0.0.1:8000/oauth2/default"]},
    )
    failure, _ = fail("call_api")
    assert failure.error == "invalid_token"
    assert f"the running API trusts tokens from http://127.0.0.1:8000/oauth2/default, but ISSUER is {ISSUER}" in str(
        failure
    )
    assert "restart it after editing .env" in str(failure)


@pytest.mark.parametrize(
    ("servers", "metadata_url"),
    [
        ([ISSUER], "https://api.test/.well-known/oauth-protected-resource"),  # it trusts ours: not a restart
        (["http://127.0.0.1:8000/oauth2/default"], "https://elsewhere.test/meta"),  # another origin: not asked
    ],
)
def test_no_restart_hint_unless_the_api_itself_names_another_issuer(cli_settings, http, servers, metadata_url):
    challenge = f'Bearer realm="api", error="invalid_token", resource_metadata="{metadata_url}"'
    http.post(TOKEN_URL, json=TOKEN)
    http.get(API, status=401, json={"error": "invalid_token"}, headers={"WWW-Authenticate": challenge})
    http.get(metadata_url, json={"authorization_servers": servers})
    failure, _ = fail("call_api")
    assert "the running API trusts" not in str(failure)
    assert "check that ISSUER and AUDIENCE are the same for both" in str(failure)
    assert [call.request.url for call in http.calls if "elsewhere" in call.request.url] == []
