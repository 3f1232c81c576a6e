"""A glob, duration, token count or reference does not parse.

## What it does
Parses every value written in one of the mini-languages with the grammar in
`grammar/rally.lark` and reports the first problem at its column inside the
YAML value: globs (`owns`, `reads`, `writes`) that are absolute, contain `..`
or `.` segments, an empty segment, `**` inside a segment, or an unclosed `[`
or `{`; durations (`90s`, `15m`, `2h`, `1h30m`); token counts (`250k`,
`1.5M`); `after` references (`task-id` or `teammate.*`).

## Why it matters
Ownership is only as exact as its patterns. `src/**.py` means different
things to different glob libraries (and nothing to some), so two agents could
each believe they own a file: the silent merge corruption the guide's
file-ownership invariant exists to prevent.

## Example
```yaml
owns: [src/**.py]
estimate: 1.5h
```

## Instead
```yaml
owns: [src/**/*.py]
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
