"""At the schedule's widest point fewer than 3 teammates work at once.

## What it does
Schedules the tasks by estimate as the linter does for the makespan (each
teammate one task at a time, every teammate at once) and counts, at the
busiest moment, the tasks of different teammates running together. Fewer
than 3 is reported at the `teammates` key as advice (info). When no two
tasks can run together at all, RY206 reports that instead.

## Why it matters
The guide's rule of thumb for when a team pays off: 3 or more independent
units of work. With 2 at most, a team's overhead (3-4x the tokens, the
lead's spawning, hand-offs and merges) buys at best a halving of the time,
and one hand-off late in the plan undoes that; two sessions, or one, do as
well for less.

## Example
```yaml
teammates:
  - name: api
    tasks: [{id: routes, do: Add the routes.}]
  - name: tests
    tasks: [{id: tests, do: Test the routes., after: [routes]}]
  - name: docs
    tasks: [{id: docs, do: Document the routes.}]
```

## Instead
```yaml
teammates:
  - name: api
    tasks: [{id: routes, do: Add the routes.}]
  - name: cli
    tasks: [{id: commands, do: Add the CLI commands.}]
  - name: docs
    tasks: [{id: docs, do: Document the routes.}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity

code = "RY309"
name = "few-units"
severity = Severity.INFO
requires = {"acyclic"}
UNITS = 3


def check(ctx: LintContext) -> Iterator[Finding]:
    graph = ctx.graph
    if not graph.has_parallel_work():  # RY206 says it: one problem, one finding
        return
    widest = widest_point(ctx.schedule.start, ctx.schedule.finish)
    if widest < UNITS:
        yield Finding(
            ctx.spec.teammates_span,
            f"at most {widest} teammates work at once in the schedule by estimate: fewer than the {UNITS} "
            "independent units a team pays off with",
            "find a third unit that does not wait on the others, or run the work as fewer sessions",
        )


def widest_point(start: tuple[float, ...], finish: tuple[float, ...]) -> int:
    """The most tasks running at one moment (a task ending as another starts is not overlapping it)."""
    events = sorted([(time, 1) for time in start] + [(time, -1) for time in finish], key=lambda e: (e[0], e[1]))
    running = widest = 0
    for _, step in events:
        running += step
        widest = max(widest, running)
    return widest
