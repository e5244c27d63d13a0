"""`manage.py jwks show|refresh`: the key-set cache per issuer, for operators."""

import json
from io import StringIO

import pytest
import responses
from django.core.management import CommandError, call_command

from conftest import ISSUER, KID

KEYS = f"{ISSUER}/v1/keys"


def run(*args) -> str:
    out = StringIO()
    call_command("jwks", *args, stdout=out)
    return out.getvalue()


def test_refresh_then_show(issuer_http, clock):
    assert "test-key-1 RSA RS256 2048 bits" in run("refresh")
    report = json.loads(run("show", "--json"))
    assert report[0]["issuer"] == ISSUER
    assert report[0]["state"] == "fresh"
    assert report[0]["jwks_uri"] == KEYS
    assert [key["kid"] for key in report[0]["keys"]] == [KID]
    assert report[0]["fresh_until"] - report[0]["fetched_at"] == 3600


def test_refresh_ignores_the_cooldown(issuer_http, clock):
    run("refresh")
    run("refresh")
    assert sum(call.request.url == KEYS for call in issuer_http.calls) == 2


def test_show_of_an_empty_cache_fails_with_one_line(clock):
    with pytest.raises(CommandError, match=r"^no keys for https://issuer.test/oauth2/default: no key cached$"):
        run("show")


def test_failed_refresh_exits_non_zero_and_keeps_the_cache(issuer_http, clock):
    run("refresh")
    issuer_http.replace(responses.GET, KEYS, status=500)
    with pytest.raises(CommandError, match=r"refresh failed for .*HTTP 500"):
        run("refresh")
    report = json.loads(run("show", "--json"))[0]
    assert report["keys"] and "HTTP 500" in report["last_failure"]["reason"]
    assert "last error:" in run("show")


def test_unknown_issuer_is_refused():
    with pytest.raises(CommandError, match="not a trusted issuer"):
        run("show", "--issuer", "https://evil.test")
