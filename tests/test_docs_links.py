"""Every document the docs and the code point at exists.

A link in docs/, README.md or a module's README to a file of the source tree
(another page, an example, a source file), and every path of a page under
docs named in Python code, must resolve; a renamed or removed page otherwise
leaves readers at a dead end (a page "services.md" at the top of docs, named
in code once, was never written).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = sorted([ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "plugins").glob("*/README.md"),
                *(ROOT / "examples").glob("*/README.md")])
# [text](target) in Markdown; the target ends at whitespace or ")" (a title may follow).
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
DOC_PATH = re.compile(r"\bdocs/[\w./-]*?\.md\b")
CODE_FOLDERS = ("core", "plugins", "examples", "tests", "bench", "themes")


def _outside_code_blocks(text: str) -> str:
    """The page without its fenced code blocks (examples there are code, not links)."""
    return re.sub(r"^```.*?^```", "", text, flags=re.S | re.M)


def relative_links(page: Path) -> list[str]:
    links = []
    for target in MARKDOWN_LINK.findall(_outside_code_blocks(page.read_text(encoding="utf-8"))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target) or target.startswith(("#", "/")):
            continue  # another site, mail, an anchor on this page, a URL path of Khet itself
        links.append(target.split("#", 1)[0])
    return links


def python_files() -> list[Path]:
    files = []
    for folder in CODE_FOLDERS:
        files += [p for p in (ROOT / folder).rglob("*.py") if ".venv" not in p.parts]
    return sorted(files)


def test_the_pages_and_the_code_are_found():
    assert ROOT / "docs" / "README.md" in PAGES and len(PAGES) > 10
    assert len(python_files()) > 50
    assert "services/approvals.md" in relative_links(ROOT / "docs" / "README.md")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_relative_link_of_a_page_exists(page):
    missing = [link for link in relative_links(page) if not (page.parent / link).exists()]
    assert missing == [], f"{page.relative_to(ROOT)} links to files that do not exist"


def test_every_docs_path_named_in_code_exists():
    missing = {}
    for path in python_files():
        for named in DOC_PATH.findall(path.read_text(encoding="utf-8")):
            if not (ROOT / named).exists():
                missing.setdefault(str(path.relative_to(ROOT)), []).append(named)
    assert missing == {}
