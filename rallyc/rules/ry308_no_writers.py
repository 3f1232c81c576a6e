"""No teammate owns anything: the whole team only reads.

## What it does
Reports, at the `teammates` key, a spec in which no teammate has an `owns`
glob: every teammate investigates, reviews or reports, and nobody changes a
file.

## Why it matters
The guide runs a team for parallel implementation work and sends
"investigation only" tasks to a single session (its routing table: research
goes to one agent). Several read-only agents pay the team's 3-4x token
overhead and the lead's coordination for findings one session reaches alone,
and their reports still have to be merged by hand.

## Example
```yaml
teammates:
  - name: auth-review
    tasks: [{id: read-auth, do: Find the bugs in src/auth.}]
  - name: api-review
    tasks: [{id: read-api, do: Find the bugs in src/api.}]
```

## Instead
```yaml
teammates:
  - name: auth
    owns: [src/auth/**]
    tasks: [{id: fix-auth, do: Find and fix the bugs in src/auth.}]
  - name: api
    owns: [src/api/**]
    tasks: [{id: fix-api, do: Find and fix the bugs in src/api.}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity

code = "RY308"
name = "no-writers"
severity = Severity.WARNING


def check(ctx: LintContext) -> Iterator[Finding]:
    teammates = ctx.spec.teammates
    if teammates and not any(mate.owns for mate in teammates):
        yield Finding(
            ctx.spec.teammates_span,
            f"no teammate owns anything: all {len(teammates)} only read, so nothing they do lands as a change",
            "run investigation-only work as one session; give a team `owns` when it is to change files",
        )
