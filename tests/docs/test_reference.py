"""The README and docs/ stay true to the code: links resolve, every setting and command is documented."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def slug(heading: str) -> str:
    """The anchor the code host gives a heading: lower case, punctuation dropped, spaces as dashes."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def anchors(page: Path) -> set[str]:
    return {slug(line.lstrip("#")) for line in page.read_text().splitlines() if line.startswith("#")}


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_relative_links_and_anchors_resolve(page):
    broken = []
    for target in LINK.findall(page.read_text()):
        if re.match(r"^[a-z]+:", target):
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists() or (anchor and anchor not in anchors(linked)):
            broken.append(target)
    assert broken == []


def test_readme_is_a_newcomers_page():
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 200
    for page in sorted((ROOT / "docs").glob("*.md")):
        assert f"(docs/{page.name})" in "\n".join(lines), f"README does not map {page.name}"


def test_every_environment_name_is_documented():
    read = set(re.findall(r"env(?:\.\w+|_if_set)\(\s*\"([A-Z0-9_]+)\"", (ROOT / "ccproject/settings.py").read_text()))
    read |= set(re.findall(r"\"(GUNICORN_[A-Z_]+)\"", (ROOT / "deploy/gunicorn.conf.py").read_text()))
    documented = "\n".join(page.read_text() for page in PAGES)
    assert read, "no environment names found: the pattern no longer matches settings.py"
    assert sorted(name for name in read if f"`{name}`" not in documented) == []


def test_every_command_is_documented():
    commands = {path.stem for path in ROOT.glob("*/management/commands/*.py") if not path.stem.startswith("_")}
    documented = (ROOT / "docs/commands.md").read_text()
    assert commands
    assert sorted(name for name in commands if f"manage.py {name}" not in documented) == []
