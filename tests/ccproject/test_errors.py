"""`ccproject.errors.ClientFacingError`: the one base of the errors whose code and description reach the client."""

import re
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from api.exceptions import KeysUnavailable, MalformedRequest, TokenError
from authserver.client_assertions import AssertionRefused, AssertionUnverifiable
from ccproject.dpop import PROOF_ALGORITHMS, NonceRequired, ProofError, ProofRules, check_proof
from ccproject.errors import ClientFacingError

# RFC 6749 §5.2: an error code is printable ASCII without quote or backslash; the project's are snake_case.
ERROR_CODE = re.compile(r"[a-z]+(?:_[a-z]+)*")
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


@pytest.mark.parametrize(
    ("cls", "error"),
    [
        (TokenError, "invalid_token"),
        (MalformedRequest, "invalid_request"),
        (KeysUnavailable, "temporarily_unavailable"),
        (ProofError, "invalid_dpop_proof"),
        (NonceRequired, "use_dpop_nonce"),
        (AssertionRefused, "invalid_client"),
        (AssertionUnverifiable, "temporarily_unavailable"),
    ],
)
def test_each_error_carries_its_code_and_description(cls, error):
    exc = cls("What is wrong, in the project's words.")
    assert isinstance(exc, ClientFacingError)
    assert (exc.error, exc.description, str(exc)) == (error, "What is wrong, in the project's words.", exc.description)


def test_keys_unavailable_keeps_its_retry_after():
    assert KeysUnavailable("The issuer is unreachable.").retry_after == 30
    assert KeysUnavailable("The issuer is unreachable.", retry_after=5).retry_after == 5


def subclasses(cls: type) -> list[type]:
    return [sub for direct in cls.__subclasses__() for sub in (direct, *subclasses(direct))]


def test_every_subclass_names_a_snake_case_error_code():
    found = subclasses(ClientFacingError)
    assert {TokenError, ProofError, AssertionRefused} <= set(found)
    for cls in found:
        assert ERROR_CODE.fullmatch(cls.error), cls


@given(
    token=st.text(alphabet=B64URL, min_size=16, max_size=200),
    header=st.text(alphabet=B64URL, min_size=16, max_size=200),
    tail=st.sampled_from(["", ".", ".e30.", ".e30.AAAA", "\x00", "\u202e"]),
)
def test_a_refused_proof_is_never_repeated_in_its_description(token, header, tail):
    proof = header + tail
    rules = ProofRules(algorithms=frozenset(PROOF_ALGORITHMS))
    with pytest.raises(ProofError) as refused:
        check_proof(proof, method="GET", url="https://api.example/", rules=rules, now=time.time(), access_token=token)
    assert header not in refused.value.description and token not in refused.value.description
