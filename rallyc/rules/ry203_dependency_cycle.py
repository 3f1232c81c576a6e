"""The task graph has a cycle.

## What it does
Finds a cycle in the task graph (an edge for every `after` reference, and
from each task to the next one of the same teammate) and lists it in order,
`a -> b -> c -> a`, where each task waits on the one before it. The finding
points at one `after` entry on the cycle, preferring one that waits on a task
written later in the spec, which is most often the one to remove. A task
listing itself (or its own teammate's `name.*`) in `after` is a cycle too.

## Why it matters
No task on a cycle can ever start: the run stalls at fan-in, waiting for work
that waits for it. The guide asks for cycle detection on handoffs and for
dependencies wired explicitly before work is assigned; a cycle also makes
every schedule, race and cost figure meaningless, so the rules that need an
ordered plan are skipped until it is fixed:
{skipped}.

## Example
```yaml
teammates:
  - name: api
    tasks:
      - {id: api-routes, do: Add the routes., after: [api-tests]}
  - name: tests
    tasks:
      - {id: api-tests, do: Test the routes., after: [api-routes]}
```

## Instead
```yaml
teammates:
  - name: api
    tasks:
      - {id: api-routes, do: Add the routes.}
  - name: tests
    tasks:
      - {id: api-tests, do: Test the routes., after: [api-routes]}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.analysis.graph import TaskGraph
from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Severity
from rallyc.ir import After

code = "RY203"
name = "dependency-cycle"
severity = Severity.ERROR
blocks = True
"""A cycle leaves no schedule: compile and run cannot go on, even when the finding is suppressed."""

MAX_LISTED = 12
"""Longer cycles are listed by their ends, so the message stays readable."""


def check(ctx: LintContext) -> Iterator[Finding]:
    graph = ctx.graph
    if graph.acyclic:
        return
    cycle = graph.cycle()
    closing = _closing_after(graph, cycle)
    # always found: a teammate's task order only goes forward in the spec, so some step is an `after`
    if closing is None:
        return
    target, entry = closing
    # start the listing at the task whose `after` is reported, so it reads from the finding's place
    start = cycle.index(target)
    yield _finding(graph, cycle[start:] + cycle[:start], entry)


def _closing_after(graph: TaskGraph, cycle: list[int]) -> tuple[int, After] | None:
    """An `after` entry on the cycle and its task, preferring one that waits on a task written later."""
    found: list[tuple[bool, int, After]] = []
    for step, target in enumerate(cycle):
        source = cycle[step - 1]
        entry = _after_entry(graph, target, source)
        if entry is not None:
            found.append((source < target, target, entry))
    if not found:
        return None
    _, target, entry = min(found, key=lambda item: item[0])
    return target, entry


def _after_entry(graph: TaskGraph, target: int, source: int) -> After | None:
    """The first `after` entry of `target` that names `source`."""
    wanted = graph.tasks[source].id
    return next((entry for entry in graph.tasks[target].after if wanted in entry.targets), None)


def _finding(graph: TaskGraph, cycle: list[int], entry: After) -> Finding:
    ids = [graph.tasks[node].id for node in cycle]
    message = f"dependency cycle: {_listing(ids)}; no task on it can ever start"
    implicit = _implicit_steps(graph, cycle)
    if implicit:
        message += f" ({implicit})"
    return Finding(entry.span, message, _hint(ids, entry))


def _listing(ids: list[str]) -> str:
    names = [f"`{task_id}`" for task_id in [*ids, ids[0]]]
    if len(names) > MAX_LISTED:
        head, tail = MAX_LISTED // 2, MAX_LISTED // 2 - 1
        names = [*names[:head], f"... {len(names) - head - tail} more ...", *names[-tail:]]
    return " -> ".join(names)


def _hint(ids: list[str], entry: After) -> str:
    waiting, awaited = ids[0], ids[-1]
    if len(ids) == 1:
        why = " (its teammate's earlier tasks already run before it)" if entry.reference.all_tasks else ""
        return f"remove `{entry.reference}` from the `after` of `{waiting}`: a task cannot wait on itself{why}"
    through = "" if len(ids) == 2 else " through the rest of the cycle"
    return (
        f"`{waiting}` waits on `{awaited}`, which waits on `{waiting}`{through}: remove this `after` entry "
        "(or another one on the cycle) and keep only the direction the work really flows"
    )


def _implicit_steps(graph: TaskGraph, cycle: list[int]) -> str:
    """Name the steps that come from a teammate's task order, which no `after` spells out."""
    steps: list[str] = []
    for step, node in enumerate(cycle):
        following = cycle[(step + 1) % len(cycle)]
        if following != node and _after_entry(graph, following, node) is None:
            task = graph.tasks[node]
            steps.append(f"`{graph.tasks[following].id}` follows `{task.id}` in {task.teammate}'s task order")
    if len(steps) > 3:
        steps = [*steps[:3], f"{len(steps) - 3} more steps by task order"]
    return "; ".join(steps)
