from __future__ import annotations

import re

from rallyc.api import lint
from rallyc.config import Settings
from rallyc.reporters import text
from tests.conftest import SMALL_SPEC


def test_snippet_and_colour_only_when_asked(write_spec) -> None:  # type: ignore[no-untyped-def]
    path = write_spec(SMALL_SPEC.replace("owns: [web/**]", "owns: [web/**.ts]"))
    report = lint([str(path)], Settings(repo=False))
    plain = text.render(report)
    assert "\x1b[" not in plain and " | " not in plain
    rich = text.render(report, colour=True, snippets=True)
    assert "   12 |     owns: [web/**.ts]" in rich
    assert "\x1b[31m" in rich
    carets = re.sub(r"\x1b\[[0-9;]*m", "", next(line for line in rich.splitlines() if "^" in line))
    assert carets.index("^") - carets.index("|") - 2 == 15  # under column 16
