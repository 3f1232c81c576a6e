"""Every relative link in README.md and docs/*.md leads to a file that exists and, with `#anchor`, to a heading in it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import ROOT

PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^(```|~~~)")


def prose(text: str) -> list[str]:
    """The lines outside fenced code blocks, where a link is a link."""
    lines, fenced = [], ""
    for line in text.splitlines():
        match = FENCE.match(line.lstrip())
        if match and (not fenced or line.lstrip().startswith(fenced)):
            fenced = "" if fenced else line.lstrip()[:3]
            continue
        if not fenced:
            lines.append(line)
    return lines


def anchors(page: Path) -> set[str]:
    """The anchors GitHub gives the page's headings (lower case, punctuation dropped, spaces to dashes, -N for repeats)."""
    seen: dict[str, int] = {}
    for line in prose(page.read_text(encoding="utf-8")):
        if not line.startswith("#"):
            continue
        slug = re.sub(r"[^\w\- ]", "", line.lstrip("#").strip().lower()).replace(" ", "-")
        count = seen.get(slug, -1) + 1
        seen[slug] = count
        seen.setdefault(f"{slug}-{count}" if count else slug, 0)
    return set(seen)


def links(page: Path) -> list[str]:
    found = [m.group(1) for line in prose(page.read_text(encoding="utf-8")) for m in LINK.finditer(line)]
    return [link for link in found if not re.match(r"^[a-z]+:", link)]


@pytest.mark.parametrize("page", PAGES, ids=lambda page: page.name)
def test_every_relative_link_resolves(page: Path) -> None:
    broken = []
    for link in links(page):
        path, _, anchor = link.partition("#")
        target = (page.parent / path).resolve() if path else page
        if not target.exists():
            broken.append(f"{link}: no such file")
        elif anchor and target.suffix == ".md" and anchor not in anchors(target):
            broken.append(f"{link}: no heading with that anchor")
    assert not broken, f"{page.relative_to(ROOT)}: " + "; ".join(broken)


def test_the_check_sees_links_and_anchors() -> None:
    readme = ROOT / "README.md"
    assert "docs/getting-started.md#2-write-a-starter-spec-rallyc-init" in links(readme)
    assert {"fixes", "rallyc-lint", "how-a-spec-is-checked"} <= anchors(readme)
