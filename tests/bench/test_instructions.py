"""The instruction-count benchmark: cachegrind's summary read right, per-call arithmetic, the by-step table,
children that run."""

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bench.instructions import CALLS, STEPS, by_step, instructions, per_call

from .modules import run_bench

SUMMARY = """==17549== Cachegrind, a high-precision tracing profiler
==17549== I   refs:      6,960,685,135
"""


def test_the_instruction_total_is_read_from_cachegrinds_summary():
    assert instructions(SUMMARY) == 6_960_685_135


def test_a_run_without_a_summary_is_an_error_not_a_zero():
    with pytest.raises(RuntimeError, match="no instruction count"):
        instructions("valgrind: failed to start tool 'cachegrind'")


def test_each_kind_is_counted_against_the_run_of_none():
    counts = {"none": 1_000_000, "raw RSA verify": 1_000_000 + 20 * 335_000, "validate_token, repeated": 1_800_000}
    assert per_call(counts, 20) == {"raw RSA verify": 335_000, "validate_token, repeated": 40_000}


def test_the_steps_of_a_first_seen_token_add_up_to_its_validation():
    rows = {
        "first-seen: signature": 350.0,
        "first-seen: JSON": 30.0,
        "first-seen: base64url": 20.0,
        "first-seen: parse_jwt": 70.0,
        "first-seen: check_token": 480.0,
        "first-seen: cache key": 5.0,
        "validate_token, first-seen": 500.0,
    }
    table = dict(by_step(rows))
    assert set(rows) == {*STEPS, "validate_token, first-seen"}
    assert list(table.values()) == [350, 30, 20, 20, 60, 20, 5, 500]
    parts = [value for label, value in table.items() if not label.startswith((" ", "validate_token"))]
    assert sum(parts) == rows["validate_token, first-seen"]


def test_a_step_whose_kinds_were_not_counted_is_left_out():
    table = dict(by_step({"first-seen: JSON": 30.0, "first-seen: parse_jwt": 70.0}))
    assert list(table.values()) == [30]


@pytest.mark.parametrize(
    ("kind", "made"),
    [(CALLS[0], 0), ("validate_token, first-seen", 3), ("first-seen: check_token", 3), ("DPoP check_proof", 3)],
)
def test_a_child_sets_up_warms_and_makes_its_calls(tmp_path, kind, made):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    completed = run_bench("instructions", "--child", kind, "--calls", "3", "--key", str(key_file), timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == f"{made} calls of {kind}"
