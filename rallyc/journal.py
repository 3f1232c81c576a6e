"""The journal, `.agents/rally.md` in `team.repo`: an entry per run and per change `rallyc learn` makes.

People read it; `rallyc learn` reads back one thing from it, the overrides a
run was made with (for runs whose report predates them). An entry is a
`## <time> run \\`<run-id>\\`` heading (or `## <time> learn ...`) over a list;
a run's overrides are its `- Overrides: a; b` line.
"""

from __future__ import annotations

import re
from pathlib import Path

from rallyc.context import LintContext
from rallyc.diagnostics import suppression_comments

HEADER = ("# Rally journal\n\nOne entry per `rallyc run` (team size, pattern, outcome, TES, overrides) and per "
          "change `rallyc learn` makes to the learned estimates.\n")  # fmt: skip
OVERRIDES = "- Overrides: "
_RUN_HEADING = re.compile(r"^## \S+ run `([^`]+)`", re.MULTILINE)


def append_entry(path: Path, entry: str) -> None:
    """Append `entry` (starting with a blank line and a `## ` heading), the header first in a new journal."""
    path.parent.mkdir(parents=True, exist_ok=True)
    header = "" if path.exists() else HEADER
    with open(path, "a", encoding="utf-8") as stream:
        stream.write(header + entry)


def spec_overrides(ctx: LintContext) -> list[str]:
    """What the spec itself overrides: a team size it justifies, and the lint findings it silences."""
    found = []
    justification = (ctx.spec.team.size_justification or "").strip()
    if justification:
        found.append(f"team.size_justification for {len(ctx.spec.teammates)} teammates: {' '.join(justification.split())}")
    found += [f"line {line} `{comment}`" for line, _, comment, _ in suppression_comments(ctx.text)]
    ignored = [item.value for item in ctx.spec.lint_ignore]
    if ignored:
        found.append(f"lint.ignore [{', '.join(ignored)}]")
    return found


def overrides_line(overrides: list[str]) -> str:
    """The entry's overrides line (`none` when there are none), one line whatever the texts hold."""
    return OVERRIDES + ("; ".join(" ".join(item.split()) for item in overrides) or "none") + "\n"


def overrides_by_run(text: str) -> dict[str, list[str]]:
    """Run id -> the overrides its journal entry records (runs recorded without that line are left out)."""
    found: dict[str, list[str]] = {}
    headings = list(_RUN_HEADING.finditer(text))
    for number, heading in enumerate(headings):
        end = headings[number + 1].start() if number + 1 < len(headings) else len(text)
        for line in text[heading.end():end].splitlines():
            if line.startswith(OVERRIDES):
                listed = line[len(OVERRIDES):].strip()
                found[heading.group(1)] = [] if listed == "none" else listed.split("; ")
    return found
