"""The teammate-level flow goes A -> B -> A.

## What it does
Reports work that leaves a teammate and comes back to it: a task of teammate
B waits (directly or through other tasks) on a task of teammate A, and a
later task of A waits on that task of B. One finding per ordered pair of
teammates, at the `after` entry where the flow returns to A, with B's task as
related.

## Why it matters
The guide forbids handoff loops (Agent A -> Agent B -> Agent A): the same
context returns to an agent that has moved on, each side idles while the
other works, and a mistake travels back and forth instead of being caught.
Split the work so that each teammate's part flows one way, or give the
returning step to the teammate that already holds the context.

## Example
```yaml
teammates:
  - name: api
    tasks:
      - {id: api-routes, do: Add the routes.}
      - {id: api-tests, do: Test the routes against the schema., after: [models-schema]}
  - name: models
    tasks:
      - {id: models-schema, do: Derive the schema from the routes., after: [api-routes]}
```

## Instead
```yaml
teammates:
  - name: models
    tasks:
      - {id: models-schema, do: Define the schema.}
  - name: api
    tasks:
      - {id: api-routes, do: Add the routes on the schema., after: [models-schema]}
      - {id: api-tests, do: Test the routes against the schema.}
```
"""

from __future__ import annotations

from collections.abc import Iterator

from rallyc.analysis.graph import TaskGraph
from rallyc.context import LintContext
from rallyc.diagnostics import Finding, Related, Severity
from rallyc.ir import After

code = "RY204"
name = "handoff-loop"
severity = Severity.WARNING
requires = {"acyclic"}


def check(ctx: LintContext) -> Iterator[Finding]:
    graph = ctx.graph
    masks = graph.teammate_masks
    reported: set[tuple[str, str]] = set()
    for middle, task in enumerate(graph.tasks):
        for teammate, mask in masks.items():
            pair = (teammate, task.teammate)
            if teammate == task.teammate or pair in reported:
                continue
            # B's task sits between two of A's: A hands off to B and B hands back to A
            if graph.ancestors[middle] & mask and graph.descendants[middle] & mask:
                reported.add(pair)
                yield _finding(graph, middle, mask)


def _finding(graph: TaskGraph, middle: int, mask: int) -> Finding:
    # A's tasks run in spec order: the latest one before B's task hands off, the first one after it takes back
    handing = (graph.ancestors[middle] & mask).bit_length() - 1
    returning = _lowest(graph.descendants[middle] & mask)
    entry, awaited = _returning_entry(graph, returning, middle)
    first, second, back = graph.tasks[handing], graph.tasks[middle], graph.tasks[returning]
    return Finding(
        entry.span,
        f"handoff loop: {first.teammate} -> {second.teammate} -> {first.teammate} "
        f"(`{second.id}` {_waits(handing in graph.predecessors[middle])} `{first.id}`, "
        f"and `{back.id}` {_waits(awaited == middle)} `{second.id}`)",
        f"let the work flow one way between {first.teammate} and {second.teammate}: give `{second.id}` "
        f"to {first.teammate}, or `{back.id}` to {second.teammate}, or split the tasks so nothing comes back",
        (Related(second.span, f"`{second.id}` ({second.teammate}) takes over from {first.teammate} here"),),
    )


def _returning_entry(graph: TaskGraph, returning: int, middle: int) -> tuple[After, int]:
    """The `after` entry of `returning` that waits on `middle` or on a task after it, and that task.

    It exists: `returning` is the first of its teammate's tasks below `middle`, so the edge
    that brings the flow back into it cannot be the teammate's own task order.
    """
    below = graph.descendants[middle] | 1 << middle
    for entry in graph.tasks[returning].after:
        for target in entry.targets:
            node = graph.index[target]
            if below >> node & 1:
                return entry, node
    raise AssertionError("a returning task always has an `after` entry into the loop")


def _waits(direct: bool) -> str:
    return "waits on" if direct else "waits, through other tasks, on"


def _lowest(bits: int) -> int:
    return (bits & -bits).bit_length() - 1
