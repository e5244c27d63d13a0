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


@pytest.mark.parametrize(
    "raw",
    [
        b'{"sub": "\\ud800"}',
        b'{"sub": "\\udc00"}',
        b'{"sub": "x\\uDBFFy"}',
        b'{"sub": "\\ud800\\u0041"}',
        b'{"sub": "\\udc00\\ud800"}',
        b'{"\\ud800": 1}',
        b'{"aud": ["a", "\\ud800"]}',
        b'{"cnf": {"jkt": "\\ud800"}}',
        b'{"sub": "\xed\xa0\x80"}',
        '{"sub": "\ud800"}',
        '{"sub": "\udfff"}',
    ],
    ids=[
        "high",
        "low",
        "upper-case hex",
        "high before a non-surrogate",
        "reversed pair",
        "in a name",
        "in an array",
        "nested",
        "encoded in UTF-8 bytes",
        "in the text given",
        "low in the text given",
    ],
)
def test_a_lone_surrogate_is_refused(raw):
    with pytest.raises(ValueError):
        loads(raw)


def test_escapes_that_are_unicode_decode():
    assert loads(b'{"sub": "\\ud83d\\ude00", "n": "\\u00e9\\u0041"}') == {"sub": "\U0001f600", "n": "\u00e9A"}
    # An escaped backslash before "ud800" is six plain characters, not an escape.
    assert loads(b'{"sub": "\\\\ud800"}') == {"sub": "\\ud800"}
    assert loads('{"sub": "caf\u00e9 \U0001f600"}') == {"sub": "caf\u00e9 \U0001f600"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [(' {"a": 1} ', {"a": 1}), ('{"a": 1}\n', {"a": 1}), ("[]", []), ('"s"', "s"), ("7", 7)],
)
def test_whitespace_around_a_value_and_any_value_decode(raw, expected):
    assert loads(raw) == expected


@pytest.mark.parametrize("raw", ['{"a": 1} x', '{"a": 1}{}', "", " ", '{"a": 1', "{'a': 1}"])
def test_extra_data_and_broken_documents_are_refused(raw):
    with pytest.raises(ValueError):
        loads(raw)
