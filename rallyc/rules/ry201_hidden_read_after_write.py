"""A task reads paths that a concurrent task of another teammate writes.

## What it does
Finds pairs of tasks of different teammates that may run at the same time
(neither reaches the other through `after` or a teammate's task order)
where a `reads` glob of one overlaps a `writes` glob of the other, decided
exactly on the patterns. A task without `writes` writes its teammate's
`owns`; a task without `reads` reads its teammate's `reads` (or the
`defaults`). The finding points at the reading task's `reads` entry, with
the writing task's `writes` (or `owns`) entry as related, and names a path
both match: when `team.repo` is a git work tree (and `--no-repo` is not
given), a tracked file both match whenever there is one, named as such
("reads the tracked file web/api.ts"), and a note that no tracked file is
in both yet when there is none. Each (reader, writer) pair is reported once.

## Why it matters
The guide says never to parallelise tasks with hidden dependencies (shared
state, read-after-write): they produce race conditions that are extremely
hard to debug. A task that reads a file while another teammate rewrites it
works from whichever version it happened to see, and nothing in the plan
says which one was meant.

## Example
```yaml
teammates:
  - name: api
    owns: [web/api.ts]
    tasks:
      - {id: api-client, do: Regenerate the API client.}
  - name: web
    owns: [web/pages/**]
    reads: [web/**]
    tasks:
      - {id: web-pages, do: Build the pages on the API client.}
```

## Instead
```yaml
teammates:
  - name: api
    owns: [web/api.ts]
    tasks:
      - {id: api-client, do: Regenerate the API client.}
  - name: web
    owns: [web/pages/**]
    reads: [web/**]
    tasks:
      - {id: web-pages, do: Build the pages on the API client., after: [api-client]}
```
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeAlias

from rallyc.analysis.graph import TaskGraph, members
from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Fix, Related, Severity
from rallyc.globs import TooComplex, TrackedFiles, overlap, overlap_candidates
from rallyc.ir import Pattern, Task
from rallyc.rules._too_complex import too_complex
from rallyc.rules._witness import shown, untracked
from rallyc.syntax import Glob

code = "RY201"
name = "hidden-read-after-write"
severity = Severity.ERROR
requires = {"acyclic"}


class _Globs:
    """Distinct globs of one kind (reads or writes), by key, and the bitset of tasks using each."""

    def __init__(self, tasks: Sequence[Task], reads: bool) -> None:
        self.globs: dict[str, Glob] = {}
        self.tasks: dict[str, int] = {}
        for number, task in enumerate(tasks):
            for pattern in task.reads if reads else task.writes:
                self.globs.setdefault(pattern.glob.key, pattern.glob)
                self.tasks[pattern.glob.key] = self.tasks.get(pattern.glob.key, 0) | 1 << number


def check(ctx: LintContext) -> Iterator[Finding]:
    graph = ctx.graph
    everything = (1 << len(graph.tasks)) - 1
    unordered = [
        everything & ~(graph.ancestors[number] | graph.descendants[number] | 1 << number)
        for number in range(len(graph.tasks))
    ]
    reads, writes = _Globs(graph.tasks, reads=True), _Globs(graph.tasks, reads=False)
    overlaps = _racing_overlaps(reads, writes, unordered, ctx.tracked)
    writers = {read: _union(writes.tasks[write] for write in written) for read, written in overlaps.items()}
    for number, task in enumerate(graph.tasks):
        if unordered[number]:
            for read, writer, write, witness in _races(graph, task, unordered[number], overlaps, writers):
                if isinstance(witness, TooComplex):
                    yield too_complex(read, write, f"whether `{task.id}` reads what `{writer.id}` writes")
                else:
                    yield _finding(task, read, writer, write, witness, ctx.tracked)


_Witness: TypeAlias = str | TooComplex
"""A path both globs match, or why the question has no answer."""


def _racing_overlaps(
    reads: _Globs, writes: _Globs, unordered: list[int], tracked: TrackedFiles | None
) -> dict[str, dict[str, _Witness]]:
    """Read key -> write key -> witness, for the glob pairs some concurrent reader and writer use.

    The glob algebra runs once per distinct (read, write) text pair, never per
    task pair, and only on pairs that pass the cheap prefix and suffix filter
    and are used by tasks that can run at the same time: in a well-ordered plan
    most candidate pairs are never searched.
    """
    read_keys, write_keys = list(reads.globs), list(writes.globs)
    racing_with = {key: _union(unordered[number] for number in members(mask)) for key, mask in reads.tasks.items()}
    found: dict[str, dict[str, _Witness]] = {}
    for i, j in overlap_candidates(list(reads.globs.values()), list(writes.globs.values())):
        read, write = read_keys[i], write_keys[j]
        if racing_with[read] & writes.tasks[write]:
            witness: _Witness | None
            try:
                witness = overlap(reads.globs[read], writes.globs[write], tracked)
            except TooComplex as undecided:
                witness = undecided
            if witness is not None:
                found.setdefault(read, {})[write] = witness
    return found


def _union(masks: Iterator[int]) -> int:
    bits = 0
    for mask in masks:
        bits |= mask
    return bits


def _races(
    graph: TaskGraph, reader: Task, unordered: int, overlaps: dict[str, dict[str, _Witness]], writers: dict[str, int]
) -> Iterator[tuple[Pattern, Task, Pattern, _Witness]]:
    """(read, writer, write, witness) once per concurrent writer, at the first `reads` entry that meets one
    of its `writes`."""
    reported = 0
    for pattern in reader.reads:
        racing = writers.get(pattern.glob.key, 0) & unordered & ~reported
        reported |= racing
        for writer_number in members(racing):
            writer, written = graph.tasks[writer_number], overlaps[pattern.glob.key]
            write = next(entry for entry in writer.writes if entry.glob.key in written)
            yield pattern, writer, write, written[write.glob.key]


def _finding(reader: Task, read: Pattern, writer: Task, write: Pattern, witness: str, tracked: TrackedFiles | None) -> Finding:
    source = "" if writer.writes_declared else f", from the owns of '{writer.teammate}'"
    return Finding(
        read.span,
        f"`{reader.id}` ({reader.teammate}) reads {shown(witness, tracked)} (glob {read.glob.shown}) while `{writer.id}` "
        f"({writer.teammate}) may be writing it (glob {write.glob.shown}{source}), and neither waits on the other"
        f"{untracked(witness, tracked, 'no tracked file is in both globs yet')}",
        f"add `after: [{writer.id}]` to `{reader.id}` so it reads {witness} once written "
        f"(or `after: [{reader.id}]` to `{writer.id}` if it must see the file as it was)",
        (Related(write.span, f"`{writer.id}` writes {write.text}"),),
        fix=Fix(reader.span, writer.id, f"add `after: [{writer.id}]` to `{reader.id}`", key="after"),
    )
