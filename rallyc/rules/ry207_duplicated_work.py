"""Two tasks have the same `do` text, or two teammates the same role and `owns`.

## What it does
Compares every task's `do` text after trimming, collapsing runs of white
space and case folding, and reports a repeat at the later task's `do`, with
the earlier one as related. It also reports a teammate whose role (case
folded) and non-empty `owns` (as a set of globs, as written) equal an
earlier teammate's, at the later teammate's name.

## Why it matters
The guide warns against assigning all teammates the same task: N agents on
the same work produce N conflicting patches with zero net parallelism. It
asks for specialisation over duplication: distinct roles on distinct files
outperform copies of one worker. Two identical instructions are usually a
copy-paste slip, and two teammates with the same role and files are one
teammate split in name only.

## Example
```yaml
teammates:
  - name: api-a
    role: implementation
    owns: [src/api/**]
    tasks: [{id: fix-a, do: Fix the failing API tests.}]
  - name: api-b
    role: Implementation
    owns: [src/api/**]
    tasks: [{id: fix-b, do: "fix the failing  API tests."}]
```

## Instead
```yaml
teammates:
  - name: api-routes
    role: implementation
    owns: [src/api/routes/**]
    tasks: [{id: fix-routes, do: Fix the failing route tests in tests/api/test_routes.py.}]
  - name: api-auth
    role: implementation
    owns: [src/api/auth/**]
    tasks: [{id: fix-auth, do: Fix the failing auth tests in tests/api/test_auth.py.}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Related, Severity
from rallyc.ir import Spec, Task, Teammate

code = "RY207"
name = "duplicated-work"
severity = Severity.WARNING


def check(ctx: LintContext) -> Iterator[Finding]:
    yield from _same_instructions(ctx.spec)
    yield from _same_teammates(ctx.spec)


def _folded(text: str) -> str:
    return " ".join(text.split()).casefold()


def _same_instructions(spec: Spec) -> Iterator[Finding]:
    first: dict[str, Task] = {}
    for task in spec.tasks:
        key = _folded(task.do.value)
        if not key:
            continue
        earlier = first.setdefault(key, task)
        if earlier is not task:
            yield Finding(
                task.do.span,
                f"task `{task.id}` ({task.teammate}) has the same `do` as `{earlier.id}` ({earlier.teammate}): "
                "two agents would do the same work and produce conflicting changes",
                "give each task its own target (a different module, test suite or file), or remove the copy",
                (Related(earlier.do.span, f"`{earlier.id}` says the same"),),
            )


def _same_teammates(spec: Spec) -> Iterator[Finding]:
    first: dict[tuple[str, frozenset[str]], Teammate] = {}
    for teammate in spec.teammates:
        if not teammate.owns:
            continue
        key = (_folded(teammate.role.value), frozenset(pattern.glob.key for pattern in teammate.owns))
        earlier = first.setdefault(key, teammate)
        if earlier is not teammate:
            yield Finding(
                teammate.span,
                f"teammates `{earlier.name}` and `{teammate.name}` have the same role "
                f"(`{earlier.role.value.strip()}`) and own the same files ({_globs(teammate)}): "
                "one specialist split in two, not two specialists",
                "merge them into one teammate, or give each a distinct role and its own files",
                (Related(earlier.span, f"`{earlier.name}` has the same role and `owns`"),),
            )


def _globs(teammate: Teammate) -> str:
    return ", ".join(f"`{text}`" for text in sorted({pattern.text for pattern in teammate.owns}))
