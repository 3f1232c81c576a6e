"""A task's `timeout` is below its `estimate`, or more than twice it.

## What it does
For every task with both an `estimate` and a `timeout` (its own or from
`defaults`), reports a `timeout` shorter than the `estimate` as an error and
one longer than 2 x the `estimate` as a warning; exactly 2 x passes. The
finding points at the `timeout` value, with the `estimate` as related. A
pair inherited from `defaults` is reported once, naming the tasks it covers.

## Why it matters
The guide's fan-in timeout: "If a teammate exceeds 2x the expected duration,
escalate or replace rather than waiting indefinitely." A timeout below the
estimate escalates the task before it can be expected to finish, so it is
retried or replaced while working as planned; one above twice the estimate
lets a stuck teammate hold up fan-in longer than the guide allows.

## Example
```yaml
- id: migrate-schema
  do: Write and test the migration.
  estimate: 30m
  timeout: 2h
```

## Instead
```yaml
- id: migrate-schema
  do: Write and test the migration.
  estimate: 30m
  timeout: 1h       # or leave it out: the default is 2 x estimate
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Related, Severity
from rallyc.ir import Task
from rallyc.source import Span
from rallyc.units import format_duration

code = "RY405"
name = "timeout-mismatch"
severity = Severity.ERROR


def check(ctx: LintContext) -> Iterator[Finding]:
    # tasks sharing a pair from `defaults` share its spans: one finding for the pair, not one per task
    groups: dict[tuple[Span, Span], list[Task]] = {}
    for task in ctx.spec.tasks:
        if task.estimate is not None and task.timeout is not None and _mismatched(task):
            groups.setdefault((task.timeout.span, task.estimate.span), []).append(task)
    for tasks in groups.values():
        yield _finding(tasks)


def _mismatched(task: Task) -> bool:
    assert task.estimate is not None and task.timeout is not None
    return task.timeout.amount < task.estimate.amount or task.timeout.amount > 2 * task.estimate.amount


def _finding(tasks: list[Task]) -> Finding:
    first = tasks[0]
    assert first.estimate is not None and first.timeout is not None
    estimate, timeout = first.estimate.amount, first.timeout.amount
    who = _who(tasks)
    related = (Related(first.estimate.span, f"`estimate: {format_duration(estimate)}` set here"),)
    if timeout < estimate:
        return Finding(
            first.timeout.span,
            f"`timeout: {format_duration(timeout)}` is shorter than `estimate: {format_duration(estimate)}` for {who}: "
            "it is escalated before it is expected to finish",
            f"set `timeout` between {format_duration(estimate)} and {format_duration(2 * estimate)}, "
            "or leave it out (the default is 2 x estimate)",
            related,
            severity=Severity.ERROR,
        )
    return Finding(
        first.timeout.span,
        f"`timeout: {format_duration(timeout)}` is more than twice `estimate: {format_duration(estimate)}` for {who}: "
        "a stuck teammate holds up fan-in past the 2x point where the guide escalates",
        f"set `timeout: {format_duration(2 * estimate)}` or leave it out (the default is 2 x estimate), "
        "or raise `estimate` if the work really takes longer",
        related,
        severity=Severity.WARNING,
    )


def _who(tasks: list[Task]) -> str:
    if len(tasks) == 1:
        return f"task `{tasks[0].id}`"
    return f"tasks `{tasks[0].id}` and {len(tasks) - 1} more that share both values"
