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
from rallyc.globs import overlapping_some
from rallyc.ir import Pattern, Teammate, distinct_globs
from rallyc.rules._too_complex import too_complex

code = "RY105"
name = "unused-ownership"
severity = Severity.INFO


def check(ctx: LintContext) -> Iterator[Finding]:
    for teammate in ctx.spec.teammates:
        if teammate.owns and all(task.writes_declared for task in teammate.tasks):
            yield from _unused(teammate)


def _unused(teammate: Teammate) -> Iterator[Finding]:
    used, undecided = _used_owns(teammate)
    for pattern in teammate.owns:
        if pattern.glob.key in undecided:
            yield too_complex(pattern, undecided[pattern.glob.key], "whether a task writes it")
        elif pattern.glob.key not in used:
            yield _finding(teammate, pattern)


def _used_owns(teammate: Teammate) -> tuple[set[str], dict[str, Pattern]]:
    """The `owns` keys some task's `writes` overlaps, and those left undecided, with the `writes`
    entry they were too complex against."""
    written = {pattern.glob.key: pattern for task in teammate.tasks for pattern in task.writes}
    used = {pattern.glob.key for pattern in teammate.owns if pattern.glob.key in written}  # a glob overlaps itself
    owns = distinct_globs(pattern for pattern in teammate.owns if pattern.glob.key not in used)
    writes = list(written.values())
    overlapping, undecided = overlapping_some(owns, [pattern.glob for pattern in writes])
    used.update(owns[i].key for i in overlapping)
    return used, {owns[i].key: writes[j] for i, j in undecided.items()}

def _finding(teammate: Teammate, pattern: Pattern) -> Finding:
    return Finding(
        pattern.span,
        f"'{teammate.name}' owns {pattern.text}, but no `writes` of its tasks overlaps it: "
        "the ownership reserves files that no task changes",
        f"drop {pattern.text} from the owns of '{teammate.name}', "
        "or add it to the `writes` of the task that changes those files",
    )
