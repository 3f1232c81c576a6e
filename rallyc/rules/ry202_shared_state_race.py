"""Two concurrent tasks declare the same `shared_state` name.

## What it does
Groups tasks by the names in their `shared_state` lists (a database schema,
a port, an env var, a cache) and reports a task that names state an earlier
task (in spec order) also names while the two may run at the same time:
neither reaches the other through `after` or a teammate's task order. The
finding points at the later task's entry, with the earlier task's entry as
related.

## Why it matters
Worktrees keep files apart, but not a database, a port or an environment
variable: two teammates migrating the same schema at once race, and the
result depends on who finishes last. The guide says never to parallelise
tasks with hidden dependencies (shared state, read-after-write): they
produce race conditions that are extremely hard to debug.

## Example
```yaml
teammates:
  - name: api
    tasks:
      - {id: add-orders, do: Add the orders table., shared_state: [db-schema]}
  - name: billing
    tasks:
      - {id: add-invoices, do: Add the invoices table., shared_state: [db-schema]}
```

## Instead
```yaml
teammates:
  - name: api
    tasks:
      - {id: add-orders, do: Add the orders table., shared_state: [db-schema]}
  - name: billing
    tasks:
      - id: add-invoices
        do: Add the invoices table.
        shared_state: [db-schema]
        after: [add-orders]          # migrations run one after the other
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.analysis.graph import TaskGraph
from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Related, Severity
from rallyc.ir import Located

code = "RY202"
name = "shared-state-race"
severity = Severity.ERROR
requires = {"acyclic"}


def check(ctx: LintContext) -> Iterator[Finding]:
    graph = ctx.graph
    for state, entries in _entries_by_name(graph).items():
        yield from _races(graph, state, entries)


def _entries_by_name(graph: TaskGraph) -> dict[str, dict[int, Located]]:
    """State name -> task index -> the task's first entry naming it, in spec order."""
    by_name: dict[str, dict[int, Located]] = {}
    for number, task in enumerate(graph.tasks):
        for entry in task.shared_state:
            by_name.setdefault(entry.value, {}).setdefault(number, entry)
    return by_name


def _races(graph: TaskGraph, state: str, entries: dict[int, Located]) -> Iterator[Finding]:
    # one finding per later task, against the earliest task it may overlap:
    # linear in the group size, with the pair test done on bitsets
    earlier = 0
    for number, entry in entries.items():
        ordered = graph.ancestors[number] | graph.descendants[number]
        racing = earlier & ~ordered
        if racing:
            other = (racing & -racing).bit_length() - 1
            yield _finding(graph, state, number, entry, other, entries[other])
        earlier |= 1 << number


def _finding(graph: TaskGraph, state: str, number: int, entry: Located, other: int, other_entry: Located) -> Finding:
    task, first = graph.tasks[number], graph.tasks[other]
    return Finding(
        entry.span,
        f"tasks `{first.id}` ({first.teammate}) and `{task.id}` ({task.teammate}) both change the shared state "
        f"`{state}` and may run at the same time: nothing orders them",
        f"add `after: [{first.id}]` to `{task.id}` (or the reverse) so only one of them changes `{state}` at a time",
        (Related(other_entry.span, f"`{first.id}` also changes `{state}`"),),
    )
