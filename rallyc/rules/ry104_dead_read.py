"""A `reads` glob matches no tracked file and no task writes a path it matches.

## What it does
Only when `team.repo` lies inside a git work tree (and `--no-repo` is not
given): takes every `reads` glob as written (a teammate's, a task's, or the
one in `defaults`, each once), and reports the ones that match no file of
`git ls-files` and overlap no task's `writes` (a task without `writes` writes
its teammate's `owns`). Such a glob names nothing today and nothing the team
will create: usually a typo or a file that was moved. When the glob is a plain
path, the hint suggests the closest tracked file.

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

import posixpath
from bisect import bisect_left
from collections.abc import Iterator, Sequence

from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity, closest
from rallyc.globs import overlapping_some
from rallyc.globset import plain_path
from rallyc.ir import Pattern, Spec
from rallyc.rules._too_complex import too_complex
from rallyc.source import Span
from rallyc.syntax import Glob

code = "RY104"
name = "dead-read"
severity = Severity.WARNING

_SUGGEST_AMONG = 5_000
"""Most tracked files to search for a close name: difflib is slow, and a hint is not worth seconds."""


def check(ctx: LintContext) -> Iterator[Finding]:
    reads = _written_reads(ctx.spec)
    tracked = ctx.tracked if reads else None  # no reads: no need to ask git at all
    if tracked is None:
        return
    unmatched = {pattern.glob.key: pattern.glob for pattern, _ in reads if not tracked.any_match(pattern.glob)}
    dead, undecided = _unwritten(list(unmatched.values()), ctx.spec)
    hints: dict[str, str] = {}  # a glob written in many places gets one search for a close file
    for pattern, readers in reads:
        if pattern.glob.key in undecided:
            yield too_complex(pattern, undecided[pattern.glob.key], "whether a task writes what it reads")
        elif pattern.glob.key in dead:
            if pattern.glob.key not in hints:
                hints[pattern.glob.key] = _hint(pattern.glob, tracked.files)
            yield _finding(pattern, readers, hints[pattern.glob.key])


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

def _finding(pattern: Pattern, readers: list[str], hint: str) -> Finding:
    message = (
        f"reads of {', '.join(readers)} ({pattern.glob.shown}) match no tracked file and overlap no task's writes: "
        "there is nothing to read, now or after any task"
    )
    return Finding(pattern.span, message, hint)


def _hint(glob: Glob, tracked: Sequence[str]) -> str:
    close = _closest_file(glob, tracked)
    if close is not None:
        return f"did you mean `{close}`? (the closest tracked file)"
    return "fix the path, or list it in the `writes` of the task that creates it"


def _closest_file(glob: Glob, tracked: Sequence[str]) -> str | None:
    """For a plain path, the tracked file with the closest name: in its folder first, else anywhere if few."""
    path = plain_path(glob)
    if path is None:
        return None
    folder = posixpath.dirname(path) + "/" if "/" in path else ""
    start = bisect_left(tracked, folder)
    siblings: list[str] = []
    while start < len(tracked) and tracked[start].startswith(folder) and len(siblings) <= _SUGGEST_AMONG:
        siblings.append(tracked[start])
        start += 1
    for candidates in (siblings, tracked if len(tracked) <= _SUGGEST_AMONG else ()):
        close = closest(path, candidates, cutoff=0.85)
        if close:
            return close
    return None
