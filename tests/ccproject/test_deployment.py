"""Production settings mode: `check --deploy` is clean, and weak configurations refuse to start."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from ccproject import deployment

ROOT = Path(__file__).resolve().parents[2]
STRONG_KEY = "k" * 20 + "S3cure-Pr0duction-Key_" + "z" * 20

PRODUCTION_ENV = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": STRONG_KEY,
    "ALLOWED_HOSTS": "api.example.com",
    "ISSUER": "https://example.okta.com/oauth2/default",
    "ORG_URL": "https://example.okta.com",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    """Run manage.py in a fresh interpreter with only the given project variables set."""
    clean = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "DJANGO_ENV", "SECRET_KEY", "ALLOWED_HOSTS"}}
    clean.update({"ENV_FILE": os.devnull, "DJANGO_SETTINGS_MODULE": "ccproject.settings", **env})
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_reports_nothing_in_production():
    result = manage("check", "--deploy", "--fail-level", "DEBUG", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_check_deploy_does_complain_in_development():
    # The same command must be able to fail, or the test above proves nothing.
    result = manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY must be set in production"),
        ({"SECRET_KEY": deployment.DEVELOPMENT_SECRET_KEY}, "development key"),
        ({"SECRET_KEY": "short-key"}, "too weak"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS must be set"),
        ({"DJANGO_ENV": "staging"}, "DJANGO_ENV must be one of"),
    ],
)
def test_production_refuses_to_start_when_misconfigured(env, message):
    result = manage("check", **{**PRODUCTION_ENV, **env})
    assert result.returncode != 0
    assert message in result.stderr


def test_debug_false_alone_turns_production_mode_on():
    result = manage("check", DEBUG="false")
    assert result.returncode != 0
    assert "SECRET_KEY must be set in production" in result.stderr


def test_production_mode_settings():
    code = (
        "from django.conf import settings as s; "
        "print(s.DEBUG, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS, s.SESSION_COOKIE_SECURE, "
        "s.CSRF_COOKIE_SECURE, s.SECURE_PROXY_SSL_HEADER)"
    )
    result = manage("shell", "-c", code, SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https", **PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "False",
        "True",
        "31536000",
        "True",
        "True",
        "('HTTP_X_FORWARDED_PROTO',",
        "'https')",
    ]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", None),
        ("X-Forwarded-Proto: https", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("HTTP_X_FORWARDED_PROTO=https", ("HTTP_X_FORWARDED_PROTO", "https")),
        ("x-forwarded-ssl: on", ("HTTP_X_FORWARDED_SSL", "on")),
    ],
)
def test_proxy_ssl_header_parsing(value, expected):
    assert deployment.proxy_ssl_header(value) == expected


def test_proxy_ssl_header_without_value_is_refused():
    with pytest.raises(ImproperlyConfigured):
        deployment.proxy_ssl_header("X-Forwarded-Proto")


def test_development_defaults_need_no_configuration():
    assert deployment.secret_key("", production=False) == deployment.DEVELOPMENT_SECRET_KEY
    assert deployment.allowed_hosts([], production=False) == deployment.DEVELOPMENT_HOSTS
    assert deployment.secret_key(STRONG_KEY, production=True) == STRONG_KEY


@pytest.mark.parametrize(("query", "max_age"), [("", 0), ("?conn_max_age=60", 60)])
def test_kept_database_connections_are_checked_before_reuse(query, max_age):
    """A connection kept across requests is dead after a database restart: it is checked first."""
    code = (
        "from django.db import connections; db = connections['default'].settings_dict; "
        "print(db['CONN_MAX_AGE'], db['CONN_HEALTH_CHECKS'])"
    )
    # Nothing connects: the address only has to parse.
    result = manage("shell", "-v", "0", "-c", code, DATABASE_URL=f"postgres://ccp@127.0.0.1:9/ccp{query}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [str(max_age), "True"]
