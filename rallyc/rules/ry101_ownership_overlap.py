"""Two teammates' `owns` globs overlap: some path would have two owners.

## What it does
Compares the `owns` globs of every pair of teammates, exactly, on the
patterns themselves (not only on the files that exist today): `src/**` and
`src/api/*.py` overlap, `src/*.py` and `src/api/a.py` do not. A list's
`!` items are taken out first: `[src/**, "!src/api/*.py"]` and
`src/api/*.py` do not overlap. Every overlapping pair of globs is reported,
at the later teammate's glob (spec order), with the earlier teammate's glob
as related, and with a path both match as a witness. When `team.repo` is a
git work tree (and `--no-repo` is not given), the witness is a tracked file
both globs match whenever there is one, named as such ("both match the
tracked file src/api/app.py"), and the message counts the tracked files
that are in both today ("no tracked file is in both yet" when the witness
is only a path the globs could match); otherwise it is the shortest plain
path both match. When one glob lies inside the other, `--fix` adds the
narrower one as an exclusion to the wider one's list.

## Why it matters
The guide's file-ownership invariant is never negotiable: every writable
file needs exactly one owner, and `exclusive_write` must never overlap.
Two teammates that may both write a file each change it in their own
worktree, and the sequential merge at fan-in either conflicts or silently
keeps one side: violations cause silent merge corruption.

## Example
```yaml
teammates:
  - name: web
    owns: [src/**]
    tasks: [{id: pages, do: Build the pages.}]
  - name: api
    owns: [src/api/*.py]          # src/api/a.py is also matched by src/**
    tasks: [{id: routes, do: Add the routes.}]
```

## Instead
```yaml
teammates:
  - name: web
    owns: [src/**, "!src/api/*.py"]   # or narrow it: src/web/**
    tasks: [{id: pages, do: Build the pages.}]
  - name: api
    owns: [src/api/*.py]
    tasks: [{id: routes, do: Add the routes.}]
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Fix, Related, Severity
from rallyc.globparse import EXCLUDE
from rallyc.globs import GlobOverlap, TooComplex, TrackedFiles, inside, overlapping_pairs
from rallyc.ir import Pattern, Teammate, distinct_globs
from rallyc.rules._too_complex import too_complex
from rallyc.rules._witness import shown

code = "RY101"
name = "ownership-overlap"
severity = Severity.ERROR


def check(ctx: LintContext) -> Iterator[Finding]:
    teammates = [teammate for teammate in ctx.spec.teammates if teammate.owns]
    # a glob written twice by one teammate is one overlap, reported at its first place
    globs = [distinct_globs(teammate.owns) for teammate in teammates]
    for later_number, later in enumerate(teammates):
        for earlier_number, earlier in enumerate(teammates[:later_number]):
            for found in overlapping_pairs(globs[earlier_number], globs[later_number], ctx.tracked):
                yield _finding(earlier, later, found, ctx.tracked)


def _finding(earlier: Teammate, later: Teammate, found: GlobOverlap, tracked: TrackedFiles | None) -> Finding:
    first = next(pattern for pattern in earlier.owns if pattern.glob.key == found.left.key)
    second = next(pattern for pattern in later.owns if pattern.glob.key == found.right.key)
    if found.witness is None:
        return too_complex(second, first, "whether they overlap")
    count = f" ({_in_both(first, second, tracked)})" if tracked else ""
    return Finding(
        second.span,
        f"owns of '{earlier.name}' ({first.glob.shown}) and '{later.name}' ({second.glob.shown}) overlap: "
        f"both match {shown(found.witness, tracked)}{count}",
        f"give every path one owner: narrow one of the two globs so that {found.witness} "
        f"(and every path like it) belongs to either '{earlier.name}' or '{later.name}'",
        (Related(first.span, f"'{earlier.name}' owns {first.text}"),),
        fix=_exclusion((earlier, first), (later, second)),
    )


def _in_both(one: Pattern, other: Pattern, tracked: TrackedFiles) -> str:
    count = len(tracked.matching(one.glob) & tracked.matching(other.glob))
    if count == 0:
        return "no tracked file is in both yet"
    return "the only tracked file in both" if count == 1 else f"one of {count} tracked files in both"


def _exclusion(earlier: tuple[Teammate, Pattern], later: tuple[Teammate, Pattern]) -> Fix | None:
    """When one glob lies inside the other, the owner of the wider one can leave the narrower one out."""
    for (wide_owner, wide), (_, narrow) in ((earlier, later), (later, earlier)):
        try:
            contained = inside(narrow.glob, [wide.glob]) is None
        except TooComplex:
            continue
        if contained:
            item = EXCLUDE + narrow.text
            return Fix(wide_owner.span, item, f"add \"{item}\" to the owns of '{wide_owner.name}'", key="owns")
    return None
