"""A teammate has fewer than 5 or more than 6 tasks.

## What it does
Counts each teammate's tasks and reports, at the teammate's name, every
teammate whose count lies outside the guide's 5-6 target. It is advice
(`info`): a short job may rightly give a teammate one task.

## Why it matters
The guide's Core Contract: "Target 5-6 tasks per teammate to keep each
productive without excessive context switching." Fewer tasks leave a
teammate (and its spawn cost) underused; more pile up context.

## Example
```yaml
teammates:
  - name: api
    role: implementation
    tasks:
      - {id: routes, do: Add the routes.}
```

## Instead
```yaml
teammates:
  - name: api
    role: implementation
    tasks:
      - {id: models, do: Add the models.}
      - {id: routes, do: Add the routes.}
      - {id: handlers, do: Write the handlers.}
      - {id: errors, do: Map errors to status codes.}
      - {id: api-tests, do: Test the routes.}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity

code = "RY304"
name = "task-load"
severity = Severity.INFO

LOW, HIGH = 5, 6


def check(ctx: LintContext) -> Iterator[Finding]:
    for teammate in ctx.spec.teammates:
        count = len(teammate.tasks)
        if LOW <= count <= HIGH:
            continue
        hint = (
            "give it more of the work, or fold its tasks into another teammate's"
            if count < LOW
            else "split its tasks across another teammate"
        )
        tasks = f"{count} task{'s' if count != 1 else ''}"
        message = f"`{teammate.name}` has {tasks}; the guide targets {LOW}-{HIGH} per teammate"
        yield Finding(teammate.span, message, hint)
