"""RFC 9449 §5.2 `dpop_bound_access_tokens` in dynamic client registration (RFC 7591)."""

import pytest

from authserver.models import Client

from .test_registration import SERVICE, assert_error, register


def test_the_flag_is_registered_and_echoed(client, initial_token):
    response = register(client, initial_token, {**SERVICE, "dpop_bound_access_tokens": True})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["dpop_bound_access_tokens"] is True
    assert Client.objects.get(client_id=body["client_id"]).dpop_bound_access_tokens is True


def test_the_flag_defaults_to_false(client, initial_token):
    assert register(client, initial_token).json()["dpop_bound_access_tokens"] is False


@pytest.mark.parametrize("value", ["yes", 0, 1, {}])
def test_a_flag_that_is_no_boolean_is_refused(client, initial_token, value):
    response = register(client, initial_token, {**SERVICE, "dpop_bound_access_tokens": value})
    assert_error(response, 400, "invalid_client_metadata")
    assert "dpop_bound_access_tokens" in response.json()["error_description"]
