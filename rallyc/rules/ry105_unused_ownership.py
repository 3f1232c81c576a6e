"""An `owns` glob overlaps no `writes` of its own teammate's tasks.

## What it does
For a teammate whose every task lists its own `writes` (so the tasks, not
the `owns` default, say what gets written), reports each `owns` glob that
no task's `writes` glob overlaps: no path it matches is written by any of
the teammate's tasks. The finding points at the unused `owns` glob. A task
without `writes` writes its teammate's whole `owns`, so the rule stays
quiet for such teammates.

## Why it matters
`owns` is exclusive: the guide's ownership map gives every writable file
one owner, so a path a teammate owns is a path no other teammate may write.
Ownership nobody uses reserves files for nothing, blocks the teammate that
should change them, and makes the ownership map say more than the plan
does. It is often a leftover of a task that was moved or deleted.

## Example
```yaml
teammates:
  - name: api
    owns: [src/api/**, docs/api/**]
    tasks:
      - id: routes
        do: Add the routes.
        writes: [src/api/routes.py]
```

## Instead
```yaml
teammates:
  - name: api
    owns: [src/api/**]
    tasks:
      - id: routes
        do: Add the routes.
        writes: [src/api/routes.py]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity
from rallyc.globs import overlap, overlap_candidates
from rallyc.ir import Pattern, Teammate, distinct_globs

code = "RY105"
name = "unused-ownership"
severity = Severity.INFO


def check(ctx: LintContext) -> Iterator[Finding]:
    for teammate in ctx.spec.teammates:
        if teammate.owns and all(task.writes_declared for task in teammate.tasks):
            yield from _unused(teammate)


def _unused(teammate: Teammate) -> Iterator[Finding]:
    used = _used_owns(teammate)
    for pattern in teammate.owns:
        if pattern.text not in used:
            yield _finding(teammate, pattern)


def _used_owns(teammate: Teammate) -> set[str]:
    """The `owns` texts some task's `writes` overlaps; one exact search at most per `owns` glob that needs it."""
    written = {pattern.text: pattern.glob for task in teammate.tasks for pattern in task.writes}
    used = {pattern.text for pattern in teammate.owns if pattern.text in written}  # a glob overlaps itself
    owns = distinct_globs(pattern for pattern in teammate.owns if pattern.text not in used)
    writes = list(written.values())
    for i, j in overlap_candidates(owns, writes):
        if owns[i].text not in used and overlap(owns[i], writes[j]) is not None:
            used.add(owns[i].text)
    return used


def _finding(teammate: Teammate, pattern: Pattern) -> Finding:
    return Finding(
        pattern.span,
        f"'{teammate.name}' owns {pattern.text}, but no `writes` of its tasks overlaps it: "
        "the ownership reserves files that no task changes",
        f"drop {pattern.text} from the owns of '{teammate.name}', "
        "or add it to the `writes` of the task that changes those files",
    )
