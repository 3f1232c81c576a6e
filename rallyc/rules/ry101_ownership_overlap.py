"""Two teammates' `owns` globs overlap: some path would have two owners.

## What it does
Compares the `owns` globs of every pair of teammates, exactly, on the
patterns themselves (not only on the files that exist today): `src/**` and
`src/api/*.py` overlap, `src/*.py` and `src/api/a.py` do not. Every
overlapping pair of globs is reported, at the later teammate's glob (spec
order), with the earlier teammate's glob as related, and with the shortest
path both match as a witness. When `team.repo` is a git work tree (and
`--no-repo` is not given), the message also counts the tracked files that
are in both today.

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
    owns: [src/web/**]
    tasks: [{id: pages, do: Build the pages.}]
  - name: api
    owns: [src/api/*.py]
    tasks: [{id: routes, do: Add the routes.}]
```
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Related, Severity
from rallyc.globs import GlobOverlap, GlobSet, literal_prefix, overlapping_pairs
from rallyc.ir import Teammate, distinct_globs
from rallyc.syntax import Glob

code = "RY101"
name = "ownership-overlap"
severity = Severity.ERROR


def check(ctx: LintContext) -> Iterator[Finding]:
    teammates = [teammate for teammate in ctx.spec.teammates if teammate.owns]
    # a glob written twice by one teammate is one overlap, reported at its first place
    globs = [distinct_globs(teammate.owns) for teammate in teammates]
    tracked = _TrackedFiles(ctx.repo_files) if ctx.repo_files is not None else None
    for later_number, later in enumerate(teammates):
        for earlier_number, earlier in enumerate(teammates[:later_number]):
            for found in overlapping_pairs(globs[earlier_number], globs[later_number]):
                yield _finding(earlier, later, found, tracked)


def _finding(earlier: Teammate, later: Teammate, found: GlobOverlap, tracked: _TrackedFiles | None) -> Finding:
    first = next(pattern for pattern in earlier.owns if pattern.text == found.left.text)
    second = next(pattern for pattern in later.owns if pattern.text == found.right.text)
    count = f" ({tracked.describe(found.left, found.right)})" if tracked else ""
    return Finding(
        second.span,
        f"owns of '{earlier.name}' ({first.text}) and '{later.name}' ({second.text}) overlap: "
        f"both match {found.witness}{count}",
        f"give every path one owner: narrow one of the two globs so that {found.witness} "
        f"(and every path like it) belongs to either '{earlier.name}' or '{later.name}'",
        (Related(first.span, f"'{earlier.name}' owns {first.text}"),),
    )


class _TrackedFiles:
    """The repository's tracked files, sorted so a glob's literal prefix selects a range."""

    def __init__(self, files: Sequence[str]) -> None:
        self.files = sorted(files)
        self.matched: dict[str, frozenset[str]] = {}

    def describe(self, one: Glob, other: Glob) -> str:
        count = len(self._matching(one) & self._matching(other))
        if count == 0:
            return "no tracked file is in both yet"
        return "1 tracked file is in both" if count == 1 else f"{count} tracked files are in both"

    def _matching(self, glob: Glob) -> frozenset[str]:
        found = self.matched.get(glob.text)
        if found is None:
            found = self.matched[glob.text] = frozenset(self._scan(glob))
        return found

    def _scan(self, glob: Glob) -> Iterator[str]:
        # only the paths that start with the glob's literal prefix can match it
        prefix, fullmatch, files = literal_prefix(glob), GlobSet([glob]).fullmatch, self.files
        for position in range(bisect_left(files, prefix), len(files)):
            path = files[position]
            if not path.startswith(prefix):
                return
            if fullmatch(path) is not None:
                yield path
