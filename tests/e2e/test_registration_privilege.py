"""No privilege without a grant, over real HTTP with the embedded issuer as provider and token issuer.

A registrar registered through the API grants only the scopes its token carries; once staff
deactivate it, the token it still holds manages nothing; two `Idempotency-Key` headers are refused.
"""

import json

import pytest
import requests

from authserver.models import Client
from registration.models import RegisteredClient
from tests.support.raw_http import raw_request
from tests.support.tokens import client_credentials_token

from .test_registration_flow import embedded, staff_session  # noqa: F401 (the live server: issuer, API, provider)

pytestmark = pytest.mark.e2e

REGISTRAR_SCOPES = "clients:register clients:manage hello:read"


def counts() -> tuple[int, int]:
    return Client.objects.count(), RegisteredClient.objects.count()


@pytest.fixture
def registrar(embedded) -> tuple[requests.Session, dict, str]:  # noqa: F811
    """Staff register a registrar through the API; it takes a token carrying part of its scopes."""
    staff = staff_session(embedded)
    made = staff.post(
        f"{embedded}/register/", json={"label": "Registrar", "scopes": REGISTRAR_SCOPES.split()}, timeout=20
    ).json()
    token = client_credentials_token(
        f"{embedded}/oauth2/default", made["client_id"], made["client_secret"], "clients:register hello:read"
    )
    return staff, made, token


def test_a_registrar_grants_only_its_scopes_and_stops_when_deactivated(embedded, registrar):  # noqa: F811
    staff, made, token = registrar
    registrar = requests.Session()
    registrar.headers["Authorization"] = f"Bearer {token}"

    # clients:manage is the registrar's to hold, not in this token: it cannot hand it out.
    before = counts()
    escalate = registrar.post(
        f"{embedded}/register/", json={"label": "Escalated", "scopes": ["clients:manage"]}, timeout=20
    )
    assert escalate.status_code == 403 and escalate.json()["error"] == "insufficient_scope"
    assert counts() == before
    within = registrar.post(f"{embedded}/register/", json={"label": "Peer", "scopes": ["hello:read"]}, timeout=20)
    assert within.status_code == 201, within.text

    # Staff deactivate the registrar: the issuer gives it no new token, and the one it has manages nothing.
    assert staff.post(f"{embedded}/clients/{made['client_id']}/deactivate/", timeout=20).status_code == 200
    refused = registrar.post(f"{embedded}/register/", json={"label": "After", "scopes": ["hello:read"]}, timeout=20)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_token"
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    assert counts() == (before[0] + 1, before[1] + 1)
    response = requests.post(
        f"{embedded}/oauth2/default/v1/token",
        data={"grant_type": "client_credentials", "scope": "hello:read"},
        auth=(made["client_id"], made["client_secret"]),
        timeout=20,
    )
    assert response.status_code == 401


def test_two_idempotency_key_headers_are_refused(embedded, registrar):  # noqa: F811
    _, _, token = registrar
    before = counts()
    status, _, body = raw_request(
        f"{embedded}/register/",
        "POST",
        headers=[
            ("Authorization", f"Bearer {token}"),
            ("Content-Type", "application/json"),
            ("Idempotency-Key", '"first"'),
            ("Idempotency-Key", '"second"'),
        ],
        body=json.dumps({"label": "Twice", "scopes": ["hello:read"]}).encode(),
        timeout=20,
    )
    answer = json.loads(body)
    assert status == 400, answer
    assert answer["error"] == "invalid_request" and "Idempotency-Key" in answer["error_description"]
    assert counts() == before
