"""The one JSON body parser: size, depth, strict JSON, UTF-8, and the text rule on every string."""

import json

import pytest

from ccproject.json_body import MAX_DEPTH, MalformedJSON, UnacceptableText, parse_json

DEEP = 100_000


@pytest.mark.parametrize(
    "raw",
    [
        b"[" * DEEP + b"]" * DEEP,
        b'{"a": ' * DEEP + b"1" + b"}" * DEEP,
        b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1),
        b"[" * DEEP,
        b"not json",
        b'{"a": NaN}',
        b'{"a": Infinity}',
        "{}".encode("utf-16"),
        b"\xff\xfe\x00{",
        b'{"a": 1',
        b"",
    ],
    ids=lambda raw: repr(raw[:12]),
)
def test_malformed_documents(raw):
    with pytest.raises(MalformedJSON):
        parse_json(raw, max_bytes=10**7)


def test_depth_up_to_the_bound_is_fine():
    assert parse_json(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, max_bytes=10**6) is not None


def test_size_bound():
    with pytest.raises(MalformedJSON, match="larger than 10 bytes"):
        parse_json(b'{"a": "0123456789"}', max_bytes=10)


@pytest.mark.parametrize(
    "document",
    [
        {"label": "a\x00b"},
        {"label\x00": "x"},
        {"nested": [{"deeper": ["\x1b[31m"]}]},
        ["ok", "\x7f"],
    ],
)
def test_control_characters_anywhere_are_refused(document):
    with pytest.raises(UnacceptableText):
        parse_json(json.dumps(document).encode())


def test_lone_surrogate_escapes_are_refused_and_pairs_are_one_character():
    with pytest.raises(UnacceptableText):
        parse_json(b'{"label": "\\ud800"}')
    assert parse_json(b'{"label": "\\ud83d\\ude80"}') == {"label": "\U0001f680"}
