"""System check ids: each names one condition (written at one place in the code), and each is documented."""

import ast
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Every module of the apps, so a check registered outside a `checks.py` is held to the same rules.
CHECK_MODULES = sorted(
    path
    for app in ("api", "authserver", "registration", "ccproject")
    for path in (ROOT / app).rglob("*.py")
    if "migrations" not in path.parts
)
CHECK_ID = re.compile(r"(api|authserver|registration)\.[EW]\d{3}")


def ids_in_code() -> Counter:
    """Every string constant in the project's modules that is a check id, counted by occurrence."""
    found = Counter()
    for path in CHECK_MODULES:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and CHECK_ID.fullmatch(node.value):
                found[node.value] += 1
    return found


def test_the_checks_modules_name_ids():
    # So that the tests below cannot pass on a parser that finds nothing.
    assert {"api.E001", "registration.E001", "authserver.E001"} <= set(ids_in_code())


def test_each_check_id_is_written_once():
    assert [check_id for check_id, count in ids_in_code().items() if count > 1] == []


def test_every_check_id_is_documented_and_every_documented_id_exists():
    documented = set(re.findall(r"^\| `([a-z]+\.[EW]\d{3})` \|", (ROOT / "docs/configuration.md").read_text(), re.M))
    assert documented == set(ids_in_code())
