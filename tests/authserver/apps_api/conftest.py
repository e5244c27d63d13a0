"""Fixtures for the Apps API: an admin API token and a service-app create body."""

import copy

import pytest

from authserver.models import AdminApiToken
from tests.support.okta_apps import service_app_body

CREATE_BODY = service_app_body("Awesome App Name")


@pytest.fixture
def admin_token() -> str:
    return AdminApiToken.issue("tests")[1]


@pytest.fixture
def create_body() -> dict:
    return copy.deepcopy(CREATE_BODY)


@pytest.fixture
def okta(client, admin_token):
    """The Django test client with `Authorization: SSWS <token>` on every request."""

    class Okta:
        def __init__(self):
            self.headers = {"HTTP_AUTHORIZATION": f"SSWS {admin_token}"}

        def get(self, path, data=None, **extra):
            return client.get(path, data, **self.headers, **extra)

        def post(self, path, body=None, **extra):
            return client.post(
                path, body if body is not None else {}, content_type="application/json", **self.headers, **extra
            )

        def delete(self, path, **extra):
            return client.delete(path, **self.headers, **extra)

        def create(self, label="App", **overrides):
            body = copy.deepcopy(CREATE_BODY)
            body["label"] = label
            body.update(overrides)
            response = self.post("/api/v1/apps", body)
            assert response.status_code == 200, response.content
            return response.json()

    return Okta()


def assert_okta_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}
    assert body["errorCode"] == body["errorLink"] == code
    assert body["errorSummary"]
    assert isinstance(body["errorCauses"], list)
    return body
