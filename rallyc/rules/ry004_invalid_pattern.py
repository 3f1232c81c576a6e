"""A glob, duration, token count or reference does not parse.

## What it does
Parses every value written in one of the mini-languages with the grammar in
`grammar/rally.lark` and reports the first problem at its column inside the
YAML value: globs (`owns`, `reads`, `writes`) that are absolute, contain `..`
or `.` segments, an empty segment, `**` inside a segment, an unclosed `[` or
`{`, a class git would read differently or never match (`[[:alfa:]]`,
`[z-a]`), braces with one alternative (`{id}`) or nested deeper than 16
levels; durations (`90s`, `15m`, `2h`, `1h30m`); token counts (`250k`,
`1.5M`); `after` references (`task-id` or `teammate.*`). In a glob list, an
exclusion written without quotes (`- !src/core.py`, which YAML reads as a
tag) is reported with the quoted form as hint and fix, and so is a list of
only exclusions (it matches nothing). The ownership rules report here too a
glob too complex to compare with another within the step budget (100,000
automaton steps), at the bigger of the two, instead of hanging.

## Why it matters
Ownership is only as exact as its patterns. `src/**.py` means different
things to different glob libraries (and nothing to some), so two agents could
each believe they own a file: the silent merge corruption the guide's
file-ownership invariant exists to prevent.

## Example
```yaml
owns:
  - src/**.py
  - !src/legacy.py
estimate: 1.5h
```

## Instead
```yaml
owns:
  - src/**/*.py
  - "!src/legacy.py"
estimate: 1h30m
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity

code = "RY004"
name = "invalid-pattern"
severity = Severity.ERROR
phase = "spec"


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from ctx.built.pattern_errors
