"""bench.server_profile: how py-spy's samples become µs per request by part (the profiler itself is not run here)."""

import collections

import pytest

from bench.harness import BenchError
from bench.server_profile import OTHER, SIGNATURE, Profile, part_of, read_samples, table

THREAD = "Thread.run (threading.py:982);ThreadWorker.handle (gunicorn/workers/gthread.py:542)"
VIEW = f"{THREAD};View.dispatch (rest_framework/views.py:509);APIView.initial (rest_framework/views.py:1)"
JSON, CACHE_KEY = "JSON: the claims (ccproject.strict_json)", "cache key: BLAKE2b of the token"
CHECK = f"{VIEW};validate_token (api/validation.py:254);check_token (api/validation.py:300)"


@pytest.mark.parametrize(
    ("stack", "part"),
    [
        # The innermost frame that names a part decides: PyJWT's verify is the signature, not DRF.
        (f"{CHECK};VerificationKey.verify (api/keys.py:44);RSAAlgorithm.verify (jwt/algorithms.py:410)", SIGNATURE),
        (f"{CHECK};parse_jwt (api/validation.py:70);loads (ccproject/strict_json.py:40)", JSON),
        (f"{CHECK};parse_jwt (api/validation.py:70)", "rest of the parse (parse_jwt)"),
        (f"{CHECK};check_claims (api/validation.py:140);_number (api/validation.py:95)", "claims checks"),
        (f"{VIEW};validate_token (api/validation.py:250);digest_of (api/token_cache.py:35)", CACHE_KEY),
        (f"{VIEW};validate_token (api/validation.py:256)", "rest of validate_token and check_token"),
        (f"{VIEW};inc (prometheus_client/values.py:50)", "metrics (ccproject.metrics, prometheus_client)"),
        (THREAD, "gunicorn (HTTP parsing, sockets, threads)"),
        ("Thread.run (threading.py:982);select (selectors.py:468)", OTHER),
    ],
)
def test_a_sample_goes_to_the_part_its_innermost_named_frame_is_in(stack, part):
    assert part_of(stack) == part


def test_pyspys_raw_lines_are_counted_by_part():
    text = "\n".join(
        [
            f"{CHECK};RSAAlgorithm.verify (jwt/algorithms.py:410) 30",
            f"{CHECK};RSAAlgorithm.verify (jwt/algorithms.py:411) 10",
            f"{THREAD} 60",
            "a stack with no count",
            "",
        ]
    )
    assert read_samples(text) == {SIGNATURE: 40, "gunicorn (HTTP parsing, sockets, threads)": 60}


def test_each_part_gets_its_share_of_the_measured_cpu_and_the_table_says_what_a_first_seen_token_adds():
    one = Profile(1000, 1000.0, 1000.0, collections.Counter({"gunicorn (HTTP parsing, sockets, threads)": 100}))
    new = Profile(
        1000,
        800.0,
        1200.0,
        collections.Counter(
            {
                "gunicorn (HTTP parsing, sockets, threads)": 60,
                SIGNATURE: 20,
                JSON: 10,
                OTHER: 10,
            }
        ),
    )
    assert new.us_per_request(SIGNATURE) == pytest.approx(240.0)
    lines = table(one, new)
    (signature_row,) = [line for line in lines if line.strip().startswith("signature")]
    assert signature_row.split()[-3:] == ["0.0", "240.0", "+240.0"]
    assert lines[-2] == (
        "first-seen token: +200 us per request: the signature +240 us, the rest of the validation +120 us,"
        " the rest of the request -160 us"
    )
    assert lines[-1] == "the rest of the validation / the signature: 0.50"


def test_no_samples_is_an_error_not_a_zero():
    with pytest.raises(BenchError, match="no samples"):
        Profile(1, 1.0, 1.0, collections.Counter()).us_per_request(SIGNATURE)
