"""The arithmetic that turns a benchmark's figures into multiples of one verify of the same run."""

import pytest

from bench.ratios import multiple_of_verify, overhead_beyond_verify


def test_an_added_cost_is_counted_in_verifies():
    # bench.instructions, 2026-11-29: a first-seen token 533,582 instructions, one RSA verify 335,004.
    assert multiple_of_verify(533_582, 335_004) == pytest.approx(1.593, abs=0.001)
    # bench.throughput: +180 µs of server CPU per request against a 30 µs verify is 6 verifies.
    assert multiple_of_verify(180.0, 30.0) == 6.0


def test_the_overhead_beyond_a_verify_leaves_the_verify_out():
    # bench.dpop, 2026-12-06: check_proof 979,604 instructions, its ES256 verify 858,554.
    assert overhead_beyond_verify(979_604, 858_554) == pytest.approx(0.141, abs=0.001)
    assert overhead_beyond_verify(100.0, 100.0) == 0.0
    assert overhead_beyond_verify(130.0, 100.0) == pytest.approx(0.3)


@pytest.mark.parametrize("verify", [0, 0.0, -1.0])
def test_a_verify_that_cost_nothing_is_an_error_not_an_infinite_ratio(verify):
    with pytest.raises(ValueError, match="more than nothing"):
        multiple_of_verify(10.0, verify)
    with pytest.raises(ValueError, match="more than nothing"):
        overhead_beyond_verify(10.0, verify)


def test_throughput_prints_a_first_seen_tokens_added_cpu_in_hot_loop_verifies_for_reference():
    from bench.throughput import first_seen_line

    line = first_seen_line(185.0, 30.0)
    assert line.startswith("first-seen token: +185 us of server CPU per request / raw RS256 verify in a hot loop 30.0")
    assert line.endswith("= 6.17 verifies  (reference: caches warm)")
    assert "goal" not in line


def test_throughput_sets_the_goal_in_verifies_paid_in_the_server():
    from bench.throughput import first_seen_line

    line = first_seen_line(185.0, 37.0, where="in the server")
    assert line.startswith("first-seen token: +185 us of server CPU per request / raw RS256 verify in the server 37.0")
    assert line.endswith("= 5.00 verifies  (goal <= 3.00)")
