"""Estimated speedup is below 1.5x: prefer sequential execution.

## What it does
Simulates the run (each teammate a serial worker, tasks taking their
`estimate`, else half their `timeout`, else 15 minutes, in the order the task
graph allows) and divides the sum of task durations by the makespan. Below
1.5x it warns, showing the three figures; exactly 1.5x passes.

## Why it matters
A team costs 3 to 4 times the tokens of a single session. The guide says
parallelism pays only when the speedup is at least 1.5x: "when estimated
parallel speedup is < 1.5x over serial, prefer sequential execution". A chain
of handoffs, or one teammate holding most of the work, keeps the others
waiting while the bill runs.

## Example
```yaml
defaults: {estimate: 30m}
teammates:
  - name: api
    tasks:
      - {id: routes, do: Add the routes.}
      - {id: handlers, do: Write the handlers.}
      - {id: errors, do: Map errors to status codes.}
  - name: docs
    tasks:
      - {id: api-docs, do: Document the API., after: [errors]}
```

## Instead
```yaml
defaults: {estimate: 30m}
teammates:
  - name: api
    tasks:
      - {id: routes, do: Add the routes.}
      - {id: handlers, do: Write the handlers.}
  - name: errors
    tasks:
      - {id: errors, do: Map errors to status codes.}
      - {id: error-docs, do: Document the error codes.}
```
"""

from __future__ import annotations

import math
from collections.abc import Iterator

from rallyc.analysis.cost import overhead_for
from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity
from rallyc.units import format_duration

code = "RY205"
name = "low-speedup"
severity = Severity.WARNING
requires = {"acyclic"}

MIN_SPEEDUP = 1.5


def check(ctx: LintContext) -> Iterator[Finding]:
    if not ctx.graph.has_parallel_work():
        return  # with no parallel work at all, RY206 reports the one problem
    schedule = ctx.schedule
    if schedule.speedup >= MIN_SPEEDUP:
        return
    # rounded down, so a speedup just below the bar never reads as 1.50x
    shown = math.floor(schedule.speedup * 100) / 100
    yield Finding(
        ctx.spec.teammates_span,
        f"estimated speedup is {shown:.2f}x, below {MIN_SPEEDUP}x: the tasks sum to "
        f"{format_duration(schedule.total_work)} of work, but the run takes {format_duration(schedule.makespan)} "
        f"from first start to last finish across {_teammates(len(ctx.spec.teammates))}{ctx.learned_note}",
        "prefer sequential execution in a single session, or fewer teammates with tasks that do not wait "
        f"on each other: the team multiplies tokens by {overhead_for(ctx.spec.budget, ctx.spec.team.runtime):g}, worth it only from a "
        f"{MIN_SPEEDUP}x speedup",
    )


def _teammates(count: int) -> str:
    return "1 teammate" if count == 1 else f"{count} teammates"
