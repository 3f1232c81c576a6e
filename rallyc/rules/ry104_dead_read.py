"""A `reads` glob matches no tracked file and no task writes a path it matches.

## What it does
Only when `team.repo` lies inside a git work tree (and `--no-repo` is not
given): takes every `reads` glob as written (a teammate's, a task's, or the
one in `defaults`, each once), and reports the ones that match no file of
`git ls-files` and overlap no task's `writes` (a task without `writes` writes
its teammate's `owns`). Such a glob names nothing today and nothing the team
will create: usually a typo or a file that was moved. When the glob is a plain
path, the hint suggests the closest tracked file.

A plain path that matches no tracked file but lies one edit away from one
(`docs/api.rst` when `docs/api.md` is tracked: one character inserted,
deleted, replaced or swapped in one segment, other letter case, or another
extension) is reported too when a task's `writes` covers it only through a
wildcard (another teammate's `docs/**`): what no task names is likelier a
typo than the file a task creates. A task that names the path in its
`writes` (or a teammate that names it in its `owns`) says it will be created,
and nothing is reported.

## Why it matters
The guide asks to "provide sufficient prompt context per teammate" and warns
against "hallucinated consensus" built on "fabricated data": a teammate told
to read `docs/api-spec.md` that finds no such file works without the context
the plan promised, or invents it.

## Example
```yaml
- name: api
  role: implementation
  owns: [src/api/**]
  reads: [docs/api-spec.md]     # the file is docs/api_spec.md
  tasks:
    - {id: routes, do: Add the routes from the spec.}
```

## Instead
```yaml
- name: api
  role: implementation
  owns: [src/api/**]
  reads: [docs/api_spec.md]
  tasks:
    - {id: routes, do: Add the routes from the spec.}
```
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity
from rallyc.globs import match, overlapping_some
from rallyc.globset import TrackedFiles, literal_path
from rallyc.ir import Pattern, Spec, Task
from rallyc.nearmiss import closest_file, one_edit_away
from rallyc.rules._too_complex import too_complex
from rallyc.source import Span
from rallyc.syntax import Glob

code = "RY104"
name = "dead-read"
severity = Severity.WARNING


def check(ctx: LintContext) -> Iterator[Finding]:
    reads = _written_reads(ctx.spec)
    tracked = ctx.tracked if reads else None  # no reads: no need to ask git at all
    if tracked is None:
        return
    unmatched = {pattern.glob.key: pattern.glob for pattern, _ in reads if not tracked.any_match(pattern.glob)}
    dead, undecided = _unwritten(list(unmatched.values()), ctx.spec)
    misses = _near_misses([glob for key, glob in unmatched.items() if key not in dead and key not in undecided],
                          ctx.spec.tasks, tracked)  # fmt: skip
    hints: dict[str, str] = {}  # a glob written in many places gets one search for a close file
    for pattern, readers in reads:
        key = pattern.glob.key
        if key in undecided:
            yield too_complex(pattern, undecided[key], "whether a task writes what it reads")
        elif key in dead:
            if key not in hints:
                hints[key] = _hint(pattern.glob, tracked)
            yield _finding(pattern, readers, hints[key])
        elif key in misses:
            yield _near_miss(pattern, readers, *misses[key])


def _written_reads(spec: Spec) -> list[tuple[Pattern, list[str]]]:
    """Each `reads` glob once, by where it is written, with who reads it (teammates, or tasks by id)."""
    readers: dict[Span, tuple[Pattern, list[str]]] = {}
    for teammate in spec.teammates:
        for pattern in teammate.reads:
            readers.setdefault(pattern.span, (pattern, []))[1].append(f"'{teammate.name}'")
    inherited = {pattern.span for teammate in spec.teammates for pattern in teammate.reads}
    for task in spec.tasks:
        for pattern in task.reads:
            if pattern.span not in inherited:  # a task's own reads, not its teammate's passed down
                readers.setdefault(pattern.span, (pattern, []))[1].append(f"task '{task.id}'")
    return list(readers.values())


def _unwritten(globs: list[Glob], spec: Spec) -> tuple[set[str], dict[str, Pattern]]:
    """Keys of the globs that overlap no task's `writes` (its teammate's `owns` when it declares none),
    and of those left undecided, with the `writes` entry the question was too complex against."""
    writes = list({pattern.glob.key: pattern for task in spec.tasks for pattern in task.writes}.values())
    written, undecided = overlapping_some(globs, [pattern.glob for pattern in writes])
    dead = {glob.key for i, glob in enumerate(globs) if i not in written and i not in undecided}
    return dead, {globs[i].key: writes[j] for i, j in undecided.items()}

def _near_misses(globs: Sequence[Glob], tasks: Sequence[Task], tracked: TrackedFiles) -> dict[str, tuple[str, Task, Pattern]]:
    """Glob key -> (the tracked file one edit away, a task that may write the path, its `writes` entry) of each
    plain path that some task's `writes` glob covers but none names: what only a wildcard covers is
    likelier a typo than the file a task creates."""
    named = {literal_path(pattern.glob) for task in tasks for pattern in task.writes}
    found = {}
    for glob in globs:
        path = literal_path(glob)
        if path is None or path in named:
            continue
        near = one_edit_away(path, tracked)
        writer = None if near is None else next(
            ((task, write) for task in tasks for write in task.writes if match(write.glob, path)), None)
        if near is not None and writer is not None:
            found[glob.key] = (near, *writer)
    return found


def _finding(pattern: Pattern, readers: list[str], hint: str) -> Finding:
    message = (
        f"reads of {', '.join(readers)} ({pattern.glob.shown}) match no tracked file and overlap no task's writes: "
        "there is nothing to read, now or after any task"
    )
    return Finding(pattern.span, message, hint)


def _near_miss(pattern: Pattern, readers: list[str], near: str, writer: Task, write: Pattern) -> Finding:
    source = "writes" if writer.writes_declared else f"writes, from the owns of '{writer.teammate}'"
    return Finding(
        pattern.span,
        f"reads of {', '.join(readers)} ({pattern.glob.shown}) match no tracked file, and the tracked file {near} is "
        f"one edit away: only {write.text} (what `{writer.id}` {source}) covers the path, and no task names it",
        f"did you mean `{near}`? If a task creates {pattern.text}, name it in that task's `writes`",
    )


def _hint(glob: Glob, tracked: TrackedFiles) -> str:
    close = closest_file(glob, tracked)
    if close is not None:
        return f"did you mean `{close}`? (the closest tracked file)"
    return "fix the path, or list it in the `writes` of the task that creates it"
