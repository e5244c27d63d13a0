"""No client secret or registration access token is kept in the database, the cache or the logs."""

import logging
from io import StringIO

from django.core.management import call_command

from .conftest import API_TOKEN, CSRF, DCR_ENDPOINT, ORG, okta_app, secret_at_rest

APPS = f"{ORG}/api/v1/apps"
SECRETS = [f"client-secret-{n}-" + "q" * 40 for n in range(3)]
RAT = "registration-access-token-" + "z" * 30


def test_registrations_leave_no_secret_behind(staff_client, okta_http, settings, caplog):
    caplog.set_level(logging.DEBUG)
    okta_http.post(APPS, json=okta_app("0oa1", secret=SECRETS[0]))
    okta_http.post(APPS, json=okta_app("0oa2", secret=SECRETS[1]))
    okta_http.post(
        DCR_ENDPOINT,
        status=201,
        json={
            "client_id": "dcr1",
            "client_secret": SECRETS[2],
            "registration_client_uri": f"{DCR_ENDPOINT}/dcr1",
            "registration_access_token": RAT,
        },
    )
    body = {"label": "App", "scopes": ["hello:read"]}
    first = staff_client.post("/register/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1", **CSRF)
    replay = staff_client.post("/register/", body, format="json", HTTP_IDEMPOTENCY_KEY="k1", **CSRF)
    assert first.json()["client_secret"] == replay.json()["client_secret"] == SECRETS[0]
    call_command("register_client", "CLI App", "--scope", "hello:read", stdout=StringIO(), stderr=StringIO())
    call_command("register_client", "DCR App", "--scope", "hello:read", "--provider", "dynamic", stdout=StringIO())

    # Every table is scanned, the database cache's included (where the encrypted replay lives).
    for value in [*SECRETS, RAT, API_TOKEN]:
        assert secret_at_rest(value) == [], value
        assert value not in caplog.text, value
