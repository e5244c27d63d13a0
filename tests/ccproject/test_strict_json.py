"""`ccproject.strict_json.loads`: the one decoder for documents from other parties."""

import pytest

from ccproject.strict_json import loads


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": 1, "a": 2}',
        b'{"a": NaN}',
        b'{"a": Infinity}',
        b'{"a": -Infinity}',
        b'{"exp": 1e400}',
        b'{"exp": -1e400}',
        b"[1.5e999]",
    ],
    ids=["duplicate name", "NaN", "Infinity", "-Infinity", "overflow", "negative overflow", "overflow in array"],
)
def test_refused(raw):
    with pytest.raises(ValueError):
        loads(raw)


def test_ordinary_documents_decode():
    assert loads(b'{"exp": 1700000000, "ratio": 0.5, "big": 1e300, "s": "x"}') == {
        "exp": 1700000000,
        "ratio": 0.5,
        "big": 1e300,
        "s": "x",
    }
    assert loads('{"nested": {"a": [1, 2.25]}}') == {"nested": {"a": [1, 2.25]}}
