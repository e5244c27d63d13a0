"""Request ids over real HTTP: gunicorn echoes one on every response and carries it to the identity provider."""

import re

import pytest
import requests

from tests.support.raw_http import raw_request
from tests.support.registration_service import register, running_service

pytestmark = pytest.mark.e2e

GENERATED = re.compile(r"[0-9a-f]{32}")


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    directory = tmp_path_factory.mktemp("request-ids")
    with running_service(directory, env={"REQUEST_ID_HEADER_TRUSTED": "true"}, workers=1, threads=2) as service:
        yield service


def test_the_provider_and_the_key_server_receive_the_requests_id(service):
    deployment, okta, registrar = service
    response = register(deployment.base, registrar.token(okta.issuer), "traced")
    assert response.status_code == 201, response.text
    request_id = response.headers["X-Request-ID"]
    assert GENERATED.fullmatch(request_id)
    assert ("POST", "/api/v1/apps", request_id) in okta.request_ids
    # The worker fetched the issuer's metadata and keys to check the first token it saw, in that request.
    fetches = [value for method, path, value in okta.request_ids if not path.startswith("/api/")]
    assert fetches and all(value is not None for value in fetches)


def test_a_trusted_id_is_carried_to_the_provider(service):
    deployment, okta, registrar = service
    sent = "edge-4d2f:0001"
    response = requests.post(
        f"{deployment.base}/register/",
        json={"label": "traced-by-the-edge", "scopes": ["hello:read"]},
        headers={"Authorization": f"Bearer {registrar.token(okta.issuer)}", "X-Request-ID": sent},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    assert response.headers["X-Request-ID"] == sent
    assert ("POST", "/api/v1/apps", sent) in okta.request_ids


@pytest.mark.parametrize(
    "headers",
    [
        [("X-Request-ID", "a" * 4000)],
        [("X-Request-ID", "with space")],
        [("X-Request-ID", "caf\xe9")],
        [("X-Request-ID", "one"), ("X-Request-ID", "two")],
    ],
)
def test_hostile_ids_over_http_are_replaced(service, headers):
    deployment, _, _ = service
    status, response_headers, _ = raw_request(f"{deployment.base}/livez", headers=headers, timeout=30)
    assert status == 200
    assert GENERATED.fullmatch(response_headers["X-Request-ID"])


def test_errors_over_http_carry_an_id(service):
    deployment, _, _ = service
    for path, status in (("/no/such/page", 404), ("/clients/abc%00def/", 400), ("/", 401)):
        response = requests.get(f"{deployment.base}{path}", timeout=30)
        assert response.status_code == status
        assert GENERATED.fullmatch(response.headers["X-Request-ID"])
