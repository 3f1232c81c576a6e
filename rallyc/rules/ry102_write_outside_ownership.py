"""A task's `writes` glob is not inside its teammate's `owns`.

## What it does
For every task that lists its own `writes`, checks each glob lies inside
its teammate's `owns`: every path it matches must be matched by some `owns`
glob and by none of the `owns` exclusions (`!` items). This is decided
exactly on the patterns: `src/api/**` lies inside `[src/**]`, but
`src/**/*.py` does not lie inside `[src/*.py]` (it also matches
`src/a/b.py`), and `src/gen/x.py` does not lie inside
`[src/**, "!src/gen/**"]`. The finding points at the `writes` glob and shows
a path outside `owns`. When `team.repo` is a git work tree (and `--no-repo`
is not given), that path is a tracked file the glob matches and `owns` does
not whenever there is one, named as such ("no owns glob matches the tracked
file tests/api/test_routes.py"); when there is none, the message says that
no tracked file is outside `owns` yet. Otherwise it is the shortest plain
path outside. A teammate without `owns` is RY103's case.

## Why it matters
`owns` is the ownership map the guide asks to complete before spawning:
every writable file has exactly one owner. A task that writes outside its
teammate's `owns` edits files nobody checked for conflicts, possibly another
teammate's, which is the silent merge corruption the file-ownership
invariant exists to prevent.

## Example
```yaml
teammates:
  - name: api
    owns: [src/api/**]
    tasks:
      - id: routes
        do: Add the routes and their tests.
        writes: [src/api/routes.py, tests/api/test_routes.py]
```

## Instead
```yaml
teammates:
  - name: api
    owns: [src/api/**, tests/api/**]
    tasks:
      - id: routes
        do: Add the routes and their tests.
        writes: [src/api/routes.py, tests/api/test_routes.py]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Related, Severity
from rallyc.globs import TooComplex, TrackedFiles, inside, overlap_candidates
from rallyc.ir import Pattern, Teammate, distinct_globs, written
from rallyc.rules._too_complex import too_complex
from rallyc.rules._witness import shown, untracked
from rallyc.syntax import Glob

code = "RY102"
name = "write-outside-ownership"
severity = Severity.ERROR

def check(ctx: LintContext) -> Iterator[Finding]:
    for teammate in ctx.spec.teammates:
        if teammate.owns:
            yield from _outside(teammate, ctx.tracked)


def _outside(teammate: Teammate, tracked: TrackedFiles | None) -> Iterator[Finding]:
    witnesses = _witnesses(teammate, tracked)
    for task in teammate.tasks:
        if task.writes_declared:
            for pattern in task.writes:
                witness = witnesses[pattern.glob.key]
                if isinstance(witness, TooComplex):
                    yield too_complex(pattern, teammate.owns[0], f"whether it lies inside the owns of '{teammate.name}'")
                elif witness is not None:
                    yield _finding(teammate, task.id, pattern, witness, tracked)


def _witnesses(teammate: Teammate, tracked: TrackedFiles | None) -> dict[str, str | TooComplex | None]:
    """Distinct `writes` glob (its key) -> a path outside the teammate's `owns`, None when inside, or
    the TooComplex that left it undecided.

    A glob lies inside a union exactly when it lies inside the part of the
    union it can overlap, so each inclusion question is asked against the
    `owns` globs the prefix and suffix filter keeps (usually one or two of
    hundreds), and once per glob, however many tasks repeat it.
    """
    owns = distinct_globs(teammate.owns)
    owned = {glob.key for glob in owns}
    declared = {
        pattern.glob.key: pattern.glob for task in teammate.tasks if task.writes_declared for pattern in task.writes
    }
    writes = [glob for key, glob in declared.items() if key not in owned]  # a glob is inside itself
    partners: dict[int, list[Glob]] = {number: [] for number in range(len(writes))}
    for i, j in overlap_candidates(writes, owns):
        partners[i].append(owns[j])
    found: dict[str, str | TooComplex | None] = dict.fromkeys(owned)
    for number, glob in enumerate(writes):
        try:
            found[glob.key] = inside(glob, partners[number], tracked)
        except TooComplex as undecided:
            found[glob.key] = undecided
    return found


def _finding(teammate: Teammate, task_id: str, pattern: Pattern, witness: str, tracked: TrackedFiles | None) -> Finding:
    owned = _listed(list(written(teammate.owns)))
    return Finding(
        pattern.span,
        f"`{task_id}` writes {pattern.glob.shown}, but the owns of '{teammate.name}' ({owned}) do not cover it: "
        f"{'they leave out' if teammate.owns[0].glob.excluded else 'no owns glob matches'} {shown(witness, tracked)}"
        f"{untracked(witness, tracked, 'no tracked file is outside them yet')}",
        f"add {pattern.text} (or a glob covering it) to the owns of '{teammate.name}', "
        f"or narrow the glob to paths '{teammate.name}' owns",
        (Related(teammate.owns[0].span, f"'{teammate.name}' owns {owned}"),),
    )


def _listed(texts: list[str], shown: int = 5) -> str:
    # a teammate may own hundreds of globs: name a few, count the rest
    if len(texts) <= shown:
        return ", ".join(texts)
    return ", ".join(texts[:shown]) + f" and {len(texts) - shown} more"
