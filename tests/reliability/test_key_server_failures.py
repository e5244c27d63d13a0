"""The issuer's key server failing in every way a real one does, on a real socket.

Known keys keep working while staleness allows; a token that cannot be checked gets 503 with
`Retry-After`, never 401; no request waits longer than the configured timeout; a bad answer
never replaces good keys; and service comes back by itself.
"""

import pytest

from conftest import ISSUER
from tests.reliability.conftest import assert_unavailable, call, shared_entry
from tests.support.limits import AllocationPeak

BAD_ANSWERS = ["error", "html", "invalid_json", "not_object", "huge", "huge_undeclared", "redirect"]
# Answers that parse as a key set but hold no usable key: an issuer never means them.
EMPTY_ANSWERS = ["empty", "garbage_keys"]


def test_down_before_warm_up_is_503_then_recovers_by_itself(api_client, token, keyserver, clock):
    keyserver.down()
    assert_unavailable(call(api_client, token()))
    keyserver.up()
    clock.advance(120)  # past any Retry-After a back-off may impose
    assert call(api_client, token()).status_code == 200


def test_down_after_warm_up_known_keys_keep_working(api_client, token, keyserver, clock):
    assert call(api_client, token()).status_code == 200
    keyserver.down()
    clock.advance(2 * 3600)  # past the key set's max-age
    assert call(api_client, token()).status_code == 200
    keyserver.up()
    clock.advance(2 * 3600)
    assert call(api_client, token()).status_code == 200


def test_known_keys_expire_after_the_maximum_staleness(api_client, token, keyserver, clock):
    assert call(api_client, token()).status_code == 200
    keyserver.down()
    clock.advance(10 * 365 * 86400)  # beyond any sane maximum staleness
    assert_unavailable(call(api_client, token()))


def test_a_fresh_worker_uses_the_stale_shared_copy_while_the_issuer_is_down(api_client, token, keyserver, clock):
    from api.jwks import reset_key_sets

    assert call(api_client, token()).status_code == 200
    keyserver.down()
    clock.advance(2 * 3600)
    reset_key_sets()  # a new worker: nothing in process memory, the shared copy is stale
    assert call(api_client, token()).status_code == 200


@pytest.mark.parametrize("mode", BAD_ANSWERS)
def test_a_bad_answer_before_warm_up_is_503(api_client, token, keyserver, mode, other_host, clock):
    keyserver.mode = mode
    assert_unavailable(call(api_client, token()))
    assert shared_entry(ISSUER) is None
    assert other_host.requests == []  # redirects are never followed
    keyserver.mode = "ok"
    clock.advance(120)
    assert call(api_client, token()).status_code == 200


@pytest.mark.parametrize("mode", [*BAD_ANSWERS, *EMPTY_ANSWERS])
def test_a_bad_answer_never_replaces_known_keys(api_client, token, keyserver, mode, jwks, clock):
    assert call(api_client, token()).status_code == 200
    keyserver.mode = mode
    clock.advance(2 * 3600)  # stale: the next request refreshes and gets the bad answer
    assert call(api_client, token()).status_code == 200
    assert shared_entry(ISSUER)["jwks"] == jwks
    assert len(keyserver.requests) >= 2  # the bad answer was really fetched


@pytest.mark.parametrize("mode", EMPTY_ANSWERS)
def test_a_key_set_without_usable_keys_before_warm_up_is_503(api_client, token, keyserver, mode):
    keyserver.mode = mode
    assert_unavailable(call(api_client, token()))


def test_a_hanging_key_server_is_abandoned_at_the_timeout(api_client, token, keyserver):
    keyserver.mode = "slow"
    response = call(api_client, token())
    # The request came back while the server was still holding the connection open.
    assert keyserver.pending == 1
    assert_unavailable(response)
    keyserver.release.set()
    keyserver.down()  # joins the handler
    assert keyserver.abandoned == [True]


def test_a_trickling_key_server_is_abandoned_at_the_timeout(api_client, token, keyserver):
    keyserver.mode = "trickle"
    response = call(api_client, token())
    assert keyserver.pending == 1  # returned while the server was still dribbling
    assert_unavailable(response)


def test_a_hanging_key_server_after_warm_up_does_not_stop_known_keys(api_client, token, keyserver, clock):
    assert call(api_client, token()).status_code == 200
    keyserver.mode = "slow"
    clock.advance(2 * 3600)
    assert call(api_client, token()).status_code == 200
    assert keyserver.pending <= 1


def test_an_outage_costs_one_timeout_per_back_off_not_one_per_request(api_client, token, keyserver):
    keyserver.mode = "slow"
    for _ in range(4):
        assert_unavailable(call(api_client, token()))
    assert len(keyserver.requests) == 1


@pytest.mark.parametrize("mode", ["huge", "huge_undeclared"])
def test_a_50_mb_answer_is_cut_off_at_the_size_cap(api_client, token, keyserver, mode):
    keyserver.mode = mode
    with AllocationPeak() as memory:
        assert_unavailable(call(api_client, token()))
    keyserver.down()  # wait for the handler to notice the closed connection
    assert keyserver.bytes_sent < keyserver.huge_bytes
    assert memory.peak < 8 * 1024 * 1024  # the cap is 1 MB; nothing near 50 MB was held


def test_forged_kids_during_an_outage_do_not_hammer_the_issuer(api_client, token, keyserver, clock):
    assert call(api_client, token()).status_code == 200
    keyserver.down()
    keyserver.up()
    before = len(keyserver.requests)
    for n in range(20):
        response = call(api_client, token(headers={"kid": f"forged-{n}"}))
        assert response.status_code == 401
    assert len(keyserver.requests) - before <= 1
