"""An `owns` glob overlaps no `writes` of its own teammate's tasks.

## What it does
For a teammate whose every task lists its own `writes` (so the tasks, not
the `owns` default, say what gets written), reports each `owns` glob that
no task's `writes` glob overlaps: no path it matches is written by any of
the teammate's tasks. The finding points at the unused `owns` glob. A task
without `writes` writes its teammate's whole `owns`, so the rule stays
quiet for such teammates.

When `team.repo` is a git work tree (and `--no-repo` is not given), it also
reports, for any teammate, the `owns` entries that miss the files they were
likely meant for:

- a plain path that matches no tracked file while a tracked file is one
  edit away (`docs/api.rst` when `docs/api.md` is tracked: one character
  inserted, deleted, replaced or swapped in one segment, other letter case,
  or another extension; a digit changed is the next file of a series, not a
  typo), with a did-you-mean, even when another teammate's broad glob
  covers the path; a path the teammate's tasks name in their `writes` is a
  file they create, and is left alone;
- a glob whose wildcards stay in one folder (`tests/*.py`) that matches
  tracked files there but not the tracked files its `**` form
  (`tests/**/*.py`) would add from the subfolders (`tests/typing/`) when
  nobody owns those: the hint gives the `**` form, or the subfolders' own
  globs when the `**` form would also take files another teammate owns.

Such an entry gets this finding instead of the plain "unused" one.

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

from collections.abc import Iterator, Sequence

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity
from rallyc.globs import GlobSet, TrackedFiles, overlap_candidates, overlapping_some
from rallyc.globset import literal_path
from rallyc.ir import Pattern, Spec, Teammate, distinct_globs
from rallyc.nearmiss import Deeper, deeper, one_edit_away
from rallyc.rules._too_complex import too_complex
from rallyc.source import Span
from rallyc.syntax import Glob

code = "RY105"
name = "unused-ownership"
severity = Severity.INFO


def check(ctx: LintContext) -> Iterator[Finding]:
    near = _near_misses(ctx.spec, ctx.tracked) if ctx.tracked is not None else {}
    yield from near.values()
    for teammate in ctx.spec.teammates:
        if teammate.owns and all(task.writes_declared for task in teammate.tasks):
            # a glob that misses its mark gets that finding, which says more than "unused"
            yield from (finding for finding in _unused(teammate) if finding.span not in near)


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


# ---- near misses, against the repository --------------------------------------------------------


def _near_misses(spec: Spec, tracked: TrackedFiles) -> dict[Span, Finding]:
    """Findings at the `owns` globs that miss the files they were likely meant for, by the glob's place."""
    found: dict[Span, Finding] = {}
    shallow: list[tuple[Teammate, Pattern, Deeper]] = []
    for teammate in spec.teammates:
        named = {literal_path(pattern.glob) for task in teammate.tasks if task.writes_declared for pattern in task.writes}
        for pattern in teammate.owns:
            path = literal_path(pattern.glob)
            near = one_edit_away(path, tracked) if path and path not in tracked.present and path not in named else None
            if near is not None:
                found[pattern.span] = _typo(teammate, pattern, near)
            wider = deeper(pattern.glob) if path is None else None
            if wider is not None and tracked.has_subfolders(wider.folder) and tracked.any_match(pattern.glob):
                shallow.append((teammate, pattern, wider))
    if shallow:
        found.update(_stops_short(shallow, spec, tracked))
    return found


def _stops_short(shallow: Sequence[tuple[Teammate, Pattern, Deeper]], spec: Spec, tracked: TrackedFiles) -> Iterator[tuple[Span, Finding]]:
    """The globs that match tracked files in their folder but leave out tracked files in its subfolders
    that nobody owns. Ownership is asked only of the `owns` globs the wider glob may overlap."""
    owns = distinct_globs(pattern for teammate in spec.teammates for pattern in teammate.owns)
    partners: dict[int, list[Glob]] = {}
    for i, j in overlap_candidates([wider.glob for *_, wider in shallow], owns):
        partners.setdefault(i, []).append(owns[j])
    for number, (teammate, pattern, wider) in enumerate(shallow):
        added = tracked.matching(wider.glob) - tracked.matching(pattern.glob)
        owned = GlobSet(partners.get(number, ()))
        unowned = sorted(path for path in added if not owned.matches(path))
        if unowned:
            yield pattern.span, _short(teammate, pattern, wider, unowned, len(unowned) < len(added))


def _typo(teammate: Teammate, pattern: Pattern, near: str) -> Finding:
    return Finding(
        pattern.span,
        f"'{teammate.name}' owns {pattern.text}, which matches no tracked file, and the tracked file {near} is one "
        "edit away: the ownership goes unused if that is the file meant",
        f"did you mean `{near}`? If '{teammate.name}' creates {pattern.text}, name it in the `writes` of that task",
    )


def _short(teammate: Teammate, pattern: Pattern, wider: Deeper, unowned: list[str], others: bool) -> Finding:
    subfolders = sorted({path[len(wider.folder) :].partition("/")[0] for path in unowned})
    shown = ", ".join(f"{wider.folder}{name}/" for name in subfolders[:3]) + (" ..." if len(subfolders) > 3 else "")
    files = "the tracked file" if len(unowned) == 1 else f"the {len(unowned)} tracked files"
    message = (f"'{teammate.name}' owns {pattern.glob.shown}: it matches tracked files in {wider.folder}, but not {files} "
               f"in its subfolders ({shown}) that {wider.glob.text} would match, and nobody owns those")
    if others:  # the wider glob would take files another teammate owns: name the subfolders instead
        forms = ", ".join(f"`{wider.below(name)}`" for name in subfolders[:3])
        return Finding(pattern.span, message, f"if '{teammate.name}' should own them, add {forms} to its owns")
    return Finding(pattern.span, message, f"did you mean `{wider.glob.text}`? `*` stays within one folder; `**/` "
                                          "reaches into its subfolders")
