"""A `risk: high` task belongs to a teammate in `bypassPermissions` mode.

## What it does
Reports every task whose `risk` is `high` (set on the task or through
`defaults`) when its teammate's `mode` is `bypassPermissions`, written or
left at the default. The finding points at the `risk` value; when the mode is
written (on the teammate or in `defaults`) it is the related place.

## Why it matters
The guide lists "Delegating high-risk tasks (security-sensitive code, DB
migrations, infra changes)" under Ask First, and its Teammate Modes table
keeps `bypassPermissions` for low-risk work and `plan` for high-risk work,
where the lead reviews the plan before anything is changed.

## Example
```yaml
- name: infra
  role: infrastructure
  tasks:
    - {id: migrate, do: Migrate the users table., risk: high}
```

## Instead
```yaml
- name: infra
  role: infrastructure
  mode: plan
  tasks:
    - {id: migrate, do: Migrate the users table., risk: high}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Related, Severity
from rallyc.ir import Teammate

code = "RY305"
name = "high-risk-unchecked"
severity = Severity.WARNING


def check(ctx: LintContext) -> Iterator[Finding]:
    for teammate in ctx.spec.teammates:
        if teammate.mode.value != "bypassPermissions":
            continue
        related = (_mode_related(teammate),) if teammate.mode.written else ()
        for task in teammate.tasks:
            if task.risk is not None and task.risk.value == "high":
                yield Finding(
                    task.risk.span,
                    f"the high-risk task `{task.id}` runs unchecked: `{teammate.name}` is in `bypassPermissions` mode",
                    f"set `mode: plan` on `{teammate.name}` so the lead approves its plan first",
                    related,
                )


def _mode_related(teammate: Teammate) -> Related:
    return Related(teammate.mode.span, f"`{teammate.name}` gets `mode: bypassPermissions` here")
