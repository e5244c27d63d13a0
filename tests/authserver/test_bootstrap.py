"""`manage.py bootstrap`: idempotent, and never overwrites what a user wrote in `.env`."""

from io import StringIO

from django.core.management import call_command

from authserver.management.commands.bootstrap import is_embedded_issuer, read_env_names
from authserver.models import AdminApiToken, Client, SigningKey


def run(env_file, **options) -> str:
    out = StringIO()
    call_command("bootstrap", env_file=str(env_file), stdout=out, **options)
    return out.getvalue()


def env_values(path) -> dict:
    lines = [line for line in path.read_text().splitlines() if line and not line.startswith("#")]
    return dict(line.split("=", 1) for line in lines)


def test_creates_everything_and_writes_env(tmp_path, settings):
    settings.TEST_CLIENT_ID = settings.TEST_CLIENT_SECRET = settings.TOKEN = ""
    settings.ISSUER = "http://127.0.0.1:8000/oauth2/default"
    env_file = tmp_path / ".env"
    run(env_file)
    values = env_values(env_file)
    assert set(values) == {
        "ISSUER",
        "DEFAULT_SCOPE",
        "ORG_URL",
        "API_URL",
        "RESOURCE",
        "TEST_CLIENT_ID",
        "TEST_CLIENT_SECRET",
        "TOKEN",
    }
    client = Client.objects.get(client_id=values["TEST_CLIENT_ID"])
    assert client.allowed_scope_list == ["hello:read"]
    assert values["TEST_CLIENT_SECRET"] not in client.client_secret
    assert AdminApiToken.objects.get_by_token(values["TOKEN"]) is not None
    assert SigningKey.objects.count() == 1
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"


def test_is_idempotent_and_keeps_user_lines(tmp_path, settings):
    settings.TEST_CLIENT_ID = settings.TEST_CLIENT_SECRET = settings.TOKEN = ""
    settings.ISSUER = "http://127.0.0.1:8000/oauth2/default"
    env_file = tmp_path / ".env"
    env_file.write_text("ISSUER=http://localhost:8000/oauth2/default\nDEBUG=true")
    run(env_file)
    values = env_values(env_file)
    assert values["ISSUER"] == "http://localhost:8000/oauth2/default"
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_SECRET = values["TEST_CLIENT_ID"], values["TEST_CLIENT_SECRET"]
    settings.TOKEN = values["TOKEN"]
    before = env_file.read_text()
    assert "nothing written" in run(env_file)
    assert env_file.read_text() == before
    assert Client.objects.count() == 1
    assert AdminApiToken.objects.count() == 1
    assert SigningKey.objects.count() == 1


def test_recreates_a_client_from_env_credentials(tmp_path, settings):
    settings.ISSUER = "http://127.0.0.1:8000/oauth2/default"
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_SECRET, settings.TOKEN = (
        "known-id",
        "known-secret-" + "x" * 30,
        "t" * 40,
    )
    env_file = tmp_path / ".env"
    run(env_file)
    assert Client.objects.filter(client_id="known-id").exists()
    assert AdminApiToken.objects.get_by_token("t" * 40) is not None
    assert "TEST_CLIENT_SECRET" not in env_values(env_file)


def test_external_issuer_creates_no_local_client(tmp_path, settings):
    settings.ISSUER = "https://dev-123.okta.com/oauth2/default"
    settings.TEST_CLIENT_ID = settings.TEST_CLIENT_SECRET = settings.TOKEN = ""
    run(tmp_path / ".env")
    assert not Client.objects.exists()


def test_helpers():
    assert is_embedded_issuer("http://127.0.0.1:8000/oauth2/default")
    assert is_embedded_issuer("http://localhost:9000/oauth2/default")
    assert is_embedded_issuer("http://[::1]:9000/oauth2/default")
    assert not is_embedded_issuer("https://example.okta.com/oauth2/default")
    assert not is_embedded_issuer("http://127.0.0.1:8000/")


def test_read_env_names(tmp_path):
    path = tmp_path / ".env"
    path.write_text("# comment\nA=1\nexport B=2\n\n C = 3\n")
    assert read_env_names(path) == {"A", "B", "C"}
    assert read_env_names(tmp_path / "missing") == set()


def test_base_url_sets_the_urls_written(tmp_path, settings):
    settings.TEST_CLIENT_ID = settings.TEST_CLIENT_SECRET = settings.TOKEN = ""
    env_file = tmp_path / ".env"
    run(env_file, base_url="http://127.0.0.1:8765/")
    values = env_values(env_file)
    assert values["ISSUER"] == "http://127.0.0.1:8765/oauth2/default"
    assert values["ORG_URL"] == "http://127.0.0.1:8765"
    assert values["API_URL"] == "http://127.0.0.1:8765/"
    assert values["RESOURCE"] == "http://127.0.0.1:8765"
    assert Client.objects.filter(client_id=values["TEST_CLIENT_ID"]).exists()


def test_a_new_base_url_moves_only_the_lines_bootstrap_wrote(tmp_path, settings):
    settings.TEST_CLIENT_ID = settings.TEST_CLIENT_SECRET = settings.TOKEN = ""
    settings.ISSUER = "http://127.0.0.1:8000/oauth2/default"
    env_file = tmp_path / ".env"
    env_file.write_text("# mine\nAPI_URL=http://127.0.0.1:8000/\n")
    run(env_file, base_url="http://127.0.0.1:8000")
    first = env_values(env_file)
    out = run(env_file, base_url="http://127.0.0.1:8001/")
    after = env_values(env_file)
    assert after["ISSUER"] == "http://127.0.0.1:8001/oauth2/default"
    assert after["ORG_URL"] == "http://127.0.0.1:8001"
    # The user's own line stays, and bootstrap says it disagrees with the new port.
    assert after["API_URL"] == "http://127.0.0.1:8000/"
    assert env_file.read_text().startswith("# mine\nAPI_URL=http://127.0.0.1:8000/\n")
    assert {name: after[name] for name in ("TEST_CLIENT_ID", "TEST_CLIENT_SECRET", "TOKEN")} == {
        name: first[name] for name in ("TEST_CLIENT_ID", "TEST_CLIENT_SECRET", "TOKEN")
    }
    assert (
        "Updated ISSUER" in out
        and "http://127.0.0.1:8000/oauth2/default -> http://127.0.0.1:8001/oauth2/default" in out
    )
    assert "Updated ORG_URL" in out
    assert "API_URL=http://127.0.0.1:8000/ in" in out and "is your line, left as it is" in out
    assert oct(env_file.stat().st_mode & 0o777) == "0o600"
    # Same port again: nothing to move, nothing written.
    before = env_file.read_text()
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_SECRET = after["TEST_CLIENT_ID"], after["TEST_CLIENT_SECRET"]
    settings.TOKEN = after["TOKEN"]
    assert "Updated" not in run(env_file, base_url="http://127.0.0.1:8001")
    assert env_file.read_text() == before


def test_a_line_the_user_changed_inside_bootstraps_block_is_theirs(tmp_path, settings):
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_SECRET, settings.TOKEN = "id-1", "s" * 40, "t" * 40
    settings.ISSUER = "http://127.0.0.1:8000/oauth2/default"
    env_file = tmp_path / ".env"
    env_file.write_text(
        "# Written by `manage.py bootstrap`.\nISSUER=http://127.0.0.1:8000/oauth2/default\n"
        "ORG_URL=https://dev-1.okta.com\nAPI_URL=http://api.internal:8000/\n"
    )
    run(env_file, base_url="http://127.0.0.1:9000")
    values = env_values(env_file)
    assert values["ISSUER"] == "http://127.0.0.1:9000/oauth2/default"
    assert values["ORG_URL"] == "https://dev-1.okta.com"
    assert values["API_URL"] == "http://api.internal:8000/"


def test_an_external_issuer_gets_no_embedded_client_token_or_urls(tmp_path, settings):
    settings.ISSUER = "https://dev-123.okta.com/oauth2/default"
    settings.TEST_CLIENT_ID, settings.TEST_CLIENT_SECRET, settings.TOKEN = "0oa-okta-client", "okta-secret", ""
    env_file = tmp_path / ".env"
    user_lines = "ISSUER=https://dev-123.okta.com/oauth2/default\nTEST_CLIENT_ID=0oa-okta-client\nTEST_CLIENT_SECRET=okta-secret\n"
    env_file.write_text(user_lines)
    out = run(env_file, base_url="http://127.0.0.1:8000")
    assert not Client.objects.exists()
    assert not AdminApiToken.objects.exists()
    assert "not this server: no embedded client or admin token created" in out
    assert env_file.read_text().startswith(user_lines)
    assert env_values(env_file) == {
        "ISSUER": "https://dev-123.okta.com/oauth2/default",
        "TEST_CLIENT_ID": "0oa-okta-client",
        "TEST_CLIENT_SECRET": "okta-secret",
        "DEFAULT_SCOPE": "hello:read",
        "API_URL": "http://127.0.0.1:8000/",
        # The API's own identifier, whoever issues its tokens (RFC 8707).
        "RESOURCE": "http://127.0.0.1:8000",
    }


def test_base_of_recognises_only_values_derived_from_a_local_base():
    from authserver.management.envfile import base_of

    assert base_of("ISSUER", "http://127.0.0.1:8000/oauth2/default") == "http://127.0.0.1:8000"
    assert base_of("ISSUER", "http://[::1]:8000/oauth2/default") == "http://[::1]:8000"
    assert base_of("ORG_URL", "http://0.0.0.0:8000") == "http://0.0.0.0:8000"
    assert base_of("API_URL", "http://localhost:8000/") == "http://localhost:8000"
    for name, value in [
        ("ISSUER", "https://dev-1.okta.com/oauth2/default"),
        ("ISSUER", "http://127.0.0.1:8000/oauth2/other"),
        ("ORG_URL", "http://127.0.0.1:8000/path"),
        ("API_URL", "http://127.0.0.1:8000/api/"),
        ("API_URL", "/"),
        ("ORG_URL", ""),
        ("ORG_URL", "http://10.0.0.5:8000"),
    ]:
        assert base_of(name, value) is None, (name, value)
