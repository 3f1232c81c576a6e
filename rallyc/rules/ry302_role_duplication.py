"""Three or more teammates all have the same role.

## What it does
When the team has 3 or more teammates and every one has the same `role`
(compared case-folded, with surrounding whitespace trimmed and inner runs of
whitespace read as one space), reports it once at the `teammates` key.

## Why it matters
The guide's Core Contract, "Specialization over duplication": assign
teammates distinct specialist roles (implementation, quality review,
performance, deduplication, documentation) rather than having all do the
same type of work; specialisation through parallelism consistently
outperforms duplication at scale. Its Never list adds: N agents on the same
work produce N conflicting patches.

## Example
```yaml
teammates:
  - {name: a, role: implementation, tasks: [{id: a1, do: Build A.}]}
  - {name: b, role: implementation, tasks: [{id: b1, do: Build B.}]}
  - {name: c, role: Implementation, tasks: [{id: c1, do: Build C.}]}
```

## Instead
```yaml
teammates:
  - {name: a, role: implementation, tasks: [{id: a1, do: Build A.}]}
  - {name: b, role: implementation, tasks: [{id: b1, do: Build B.}]}
  - {name: c, role: quality review, tasks: [{id: c1, do: Review A and B., after: [a1, b1]}]}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity

code = "RY302"
name = "role-duplication"
severity = Severity.WARNING

MIN_TEAM = 3
"""With two teammates sharing a role there is no third specialty to give anyone."""


def check(ctx: LintContext) -> Iterator[Finding]:
    teammates = ctx.spec.teammates
    if len(teammates) < MIN_TEAM:
        return
    roles = {" ".join(teammate.role.value.split()).casefold() for teammate in teammates}
    if len(roles) == 1:
        role = teammates[0].role.value.strip()
        yield Finding(
            ctx.spec.teammates_span,
            f"all {len(teammates)} teammates have the role `{role}`: duplicated work, not specialised work",
            "give some teammates distinct roles, e.g. `quality review`, `tests`, `performance` or `documentation`",
        )
