"""The text rules every string from a request passes: no control characters anywhere, printable labels.

A NUL byte cannot be stored by PostgreSQL and a lone surrogate cannot be encoded as UTF-8, so
either would fail at the database as a 500; ESC and other control characters in a stored value
reach terminals and logs. Tab, line feed and carriage return are left to each field's own
validation (HTML forms send them). Labels (names a person reads in a list) are stricter: only
printable characters, so no bidirectional override (Unicode TR #9, CVE-2021-42574) can make one
read as another.
"""

import unicodedata

# C0 whitespace that HTML forms legitimately carry.
FORM_WHITESPACE = frozenset("\t\n\r")


def _describe(character: str) -> str:
    if character == "\x00":
        return "a NUL character"
    name = unicodedata.name(character, "")
    return f"the character U+{ord(character):04X}" + (f" ({name})" if name else "")


def control_character_problem(value: str) -> str | None:
    """What makes `value` unacceptable anywhere (a control character or a lone surrogate), or `None`."""
    if value.isprintable():  # the common case, at C speed
        return None
    for character in value:
        if character in FORM_WHITESPACE:
            continue
        category = unicodedata.category(character)
        if category in ("Cc", "Cs"):
            return _describe(character)
    return None


def label_problem(value: str) -> str | None:
    """Why `value` is unacceptable as a label (anything not printable: controls, bidi overrides), or `None`."""
    if value.isprintable():
        return None
    found = _describe(next(character for character in value if not character.isprintable()))
    return f"control characters and other unprintable characters are not allowed ({found})."
