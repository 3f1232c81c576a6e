"""The task graph: order, cycles and reachability.

Reachability is precomputed as bitsets (Python ints) in topological order, so
"do these two tasks run concurrently?" is two bit tests. networkx is imported
only to list a cycle, where its algorithm earns the import.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from rallyc.ir import Spec, Task


@dataclass(frozen=True, slots=True)
class TaskGraph:
    tasks: tuple[Task, ...]
    index: dict[str, int]
    predecessors: tuple[tuple[int, ...], ...]
    """Direct predecessors: the teammate's previous task and every `after` target."""
    order: tuple[int, ...] | None
    """A topological order, or None when the graph has a cycle."""
    descendants: tuple[int, ...]
    ancestors: tuple[int, ...]

    @property
    def acyclic(self) -> bool:
        return self.order is not None

    def reaches(self, source: int, target: int) -> bool:
        return bool(self.descendants[source] >> target & 1)

    def concurrent(self, first: int, second: int) -> bool:
        """Neither task reaches the other, so they may run at the same time."""
        return first != second and not (self.reaches(first, second) or self.reaches(second, first))

    @property
    def teammate_masks(self) -> dict[str, int]:
        """Teammate -> bitset of its tasks, teammates in spec order."""
        masks: dict[str, int] = {}
        for number, task in enumerate(self.tasks):
            masks[task.teammate] = masks.get(task.teammate, 0) | 1 << number
        return masks

    def has_parallel_work(self) -> bool:
        """Some two tasks of different teammates are concurrent (the guide's 2+ independent units)."""
        everything = (1 << len(self.tasks)) - 1
        own = self.teammate_masks
        return any(
            everything & ~(self.ancestors[number] | self.descendants[number] | own[task.teammate])
            for number, task in enumerate(self.tasks)
        )

    def cycle(self) -> list[int]:
        """One cycle, in order (first node not repeated); only for a cyclic graph."""
        import networkx

        graph = networkx.DiGraph()
        for node, sources in enumerate(self.predecessors):
            graph.add_edges_from((source, node) for source in sources)
        return [source for source, _ in networkx.find_cycle(graph)]


def members(mask: int) -> Iterator[int]:
    """The task numbers in a bitset, lowest first."""
    while mask:
        lowest = mask & -mask
        mask ^= lowest
        yield lowest.bit_length() - 1


def task_graph(spec: Spec) -> TaskGraph:
    tasks = spec.tasks
    index = {task.id: number for number, task in enumerate(tasks)}
    predecessors = tuple(_predecessors(task, tasks, index, number) for number, task in enumerate(tasks))
    order = topological_order(predecessors)
    if order is None:
        return TaskGraph(tasks, index, predecessors, None, (), ())
    descendants, ancestors = _reachability(predecessors, order)
    return TaskGraph(tasks, index, predecessors, order, descendants, ancestors)


def _predecessors(task: Task, tasks: tuple[Task, ...], index: dict[str, int], number: int) -> tuple[int, ...]:
    found = dict.fromkeys(index[target] for entry in task.after for target in entry.targets)
    if number and tasks[number - 1].teammate == task.teammate:
        found[number - 1] = None
    return tuple(found)


def topological_order(predecessors: tuple[tuple[int, ...], ...]) -> tuple[int, ...] | None:
    """Kahn's algorithm, smallest index first so the order follows the spec where it can."""
    import heapq

    waiting = [len(sources) for sources in predecessors]
    successors: list[list[int]] = [[] for _ in predecessors]
    for node, sources in enumerate(predecessors):
        for source in sources:
            successors[source].append(node)
    ready = [node for node, count in enumerate(waiting) if count == 0]
    heapq.heapify(ready)
    order: list[int] = []
    while ready:
        node = heapq.heappop(ready)
        order.append(node)
        for successor in successors[node]:
            waiting[successor] -= 1
            if waiting[successor] == 0:
                heapq.heappush(ready, successor)
    return tuple(order) if len(order) == len(predecessors) else None


def _reachability(
    predecessors: tuple[tuple[int, ...], ...], order: tuple[int, ...]
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    ancestors = [0] * len(predecessors)
    for node in order:
        bits = 0
        for source in predecessors[node]:
            bits |= ancestors[source] | (1 << source)
        ancestors[node] = bits
    descendants = [0] * len(predecessors)
    for node in reversed(order):
        for source in predecessors[node]:
            descendants[source] |= descendants[node] | (1 << node)
    return tuple(descendants), tuple(ancestors)
