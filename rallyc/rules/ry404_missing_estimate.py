"""A task has neither `estimate` nor `timeout`.

## What it does
Reports each task with no `estimate` and no `timeout`, on the task itself or
in `defaults`. Such a task gets the default fan-in deadline of 30m, and the
schedule (speedup, makespan, coordination share) counts it as 15m: both are
guesses rather than the author's expectation.

## Why it matters
The guide's fan-in timeout: "set explicit deadlines per teammate task. If a
teammate exceeds 2x the expected duration, escalate or replace rather than
waiting indefinitely." Without an expected duration there is no deadline
derived from the work: a two-hour migration is escalated after 30 minutes,
and a five-minute fix may stall fan-in for half an hour before anyone acts.

## Example
```yaml
tasks:
  - id: migrate-schema
    do: Write and test the migration.
```

## Instead
```yaml
defaults: {estimate: 15m}       # every task; a task's own value wins
teammates:
  - name: db
    role: implementation
    tasks:
      - id: migrate-schema
        do: Write and test the migration.
        estimate: 1h            # deadline 2h unless `timeout` says otherwise
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc import defaults
from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity
from rallyc.units import format_duration

code = "RY404"
name = "missing-estimate"
severity = Severity.WARNING


def check(ctx: LintContext) -> Iterator[Finding]:
    deadline, duration = format_duration(defaults.TIMEOUT_SECONDS), format_duration(defaults.DURATION_SECONDS)
    for task in ctx.spec.tasks:
        if task.estimate is None and task.timeout is None:
            yield Finding(
                task.span,
                f"task `{task.id}` has no `estimate` or `timeout`: its fan-in deadline falls back to the default "
                f"{deadline} and the schedule assumes it takes {duration}",
                "add `estimate:` to the task (its deadline becomes twice that), "
                f"or `defaults: {{estimate: {duration}}}` for every task",
            )
