"""A teammate with no `owns` has a task with a non-empty `writes`.

## What it does
Reports every task that lists its own non-empty `writes` while its teammate
has no `owns` (none written, or `owns: []`): a teammate without `owns` owns
nothing and may write nothing. The finding points at the task's first
`writes` glob, with the teammate's name as related.

## Why it matters
The guide forbids spawning without declared ownership: it causes silent
merge corruption and undetectable conflicts, because every writable file
must have exactly one owner. A reader (a reviewer, an analyst) that writes
files does so outside the ownership map, where no overlap check can see
it.

## Example
```yaml
teammates:
  - name: review
    role: quality review
    reads: [src/**]
    tasks:
      - id: review-api
        do: Review the API and write up the gaps.
        writes: [docs/review.md]
```

## Instead
```yaml
teammates:
  - name: review
    role: quality review
    reads: [src/**]
    owns: [docs/review.md]
    tasks:
      - id: review-api
        do: Review the API and write up the gaps.
        writes: [docs/review.md]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Related, Severity
from rallyc.ir import Task, Teammate

code = "RY103"
name = "write-by-reader"
severity = Severity.ERROR


def check(ctx: LintContext) -> Iterator[Finding]:
    for teammate in ctx.spec.teammates:
        if teammate.owns:
            continue
        for task in teammate.tasks:
            if task.writes_declared and task.writes:
                yield _finding(teammate, task)


def _finding(teammate: Teammate, task: Task) -> Finding:
    globs = ", ".join(pattern.text for pattern in task.writes)
    return Finding(
        task.writes[0].span,
        f"`{task.id}` writes {globs}, but its teammate '{teammate.name}' owns nothing: "
        "a teammate without `owns` may not write files",
        f"give '{teammate.name}' `owns: [{globs}]` (every writable file needs one owner), "
        f"or drop `writes` from `{task.id}` if it only reads",
        (Related(teammate.span, f"'{teammate.name}' has no `owns`"),),
    )
