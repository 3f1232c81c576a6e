"""Coordination takes more than 40% of the run.

## What it does
Estimates the lead's coordination time (docs/language.md, "Derived semantics", coordination time:
`spawn` per teammate, `handoff` per task waiting directly on another
teammate's task, `merge` per teammate with `owns`; rates in
`budget.coordination`) and the makespan, and reports when coordination /
(makespan + coordination) is above 0.40. Exactly 40% passes. Skipped when
the task graph has a cycle (RY203), as there is no makespan then.

## Why it matters
The guide: "If coordination overhead exceeds 40% of total execution time,
reduce team size or simplify task decomposition" - coordination tax accounts
for 36.9% of multi-agent system failures, the largest single category. When
the lead spends that long spawning, relaying and merging, the team is too
big or its tasks too small for the work.

## Example
```yaml
teammates:      # 4 teammates with owns, 5m of work each:
  - name: api   # spawn 4 x 2m + merge 4 x 1m = 12m against a 5m makespan (71%)
    role: implementation
    owns: [src/api/**]
    tasks: [{id: api, do: Add the route., estimate: 5m}]
  # ... three more teammates like it
```

## Instead
```yaml
teammates:      # one teammate does the small edits in order: 3m against 20m (13%)
  - name: api
    role: implementation
    owns: [src/**]
    tasks:
      - {id: api, do: Add the route., estimate: 5m}
      - {id: cli, do: Add the flag., estimate: 5m}
      # ...
```
"""

from __future__ import annotations

from collections.abc import Iterator
from fractions import Fraction

from rallyc.analysis.schedule import Schedule
from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity
from rallyc.units import format_duration

code = "RY403"
name = "coordination-overhead"
severity = Severity.WARNING
requires = {"acyclic"}

MAX_SHARE = Fraction(2, 5)
"""The guide's limit on coordination's share of the run; exactly 40% passes."""


def check(ctx: LintContext) -> Iterator[Finding]:
    plan = ctx.schedule
    whole = Fraction(plan.makespan) + Fraction(plan.coordination)
    # exact arithmetic, so a share of exactly 0.40 is never pushed over by float noise
    share = Fraction(plan.coordination) / whole if whole else Fraction(0)
    if share <= MAX_SHARE:
        return
    yield Finding(
        ctx.spec.teammates_span,
        f"coordination takes {format_duration(plan.coordination)} ({_parts(plan)}) against a makespan of "
        f"{format_duration(plan.makespan)}: {_percent(share)} of the run, over the 40% limit{ctx.learned_note}",
        "use fewer teammates, give each larger tasks, or cut cross-teammate `after` links; "
        "if the work is this small, one teammate or a single session does it faster",
    )


def _parts(plan: Schedule) -> str:
    return ", ".join(_term(*term) for term in plan.coordination_time.terms if term[1] and term[2])


def _percent(share: Fraction) -> str:
    """To a tenth, but never as low as 40%: a share just over the limit must not read as on it."""
    tenths = max(round(share * 1000), 401)
    return f"{tenths // 10}%" if tenths % 10 == 0 else f"{tenths / 10:.1f}%"


def _term(label: str, count: int, rate: float) -> str:
    return f"{label} {count} x {format_duration(rate)} = {format_duration(count * rate)}"
