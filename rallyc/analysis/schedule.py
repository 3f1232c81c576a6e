"""Makespan, speedup and coordination time (docs/language.md, "Derived semantics")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from rallyc.analysis.graph import TaskGraph
from rallyc.ir import Coordination, Spec
from rallyc.models import resolve_model

if TYPE_CHECKING:
    from rallyc.learned import Learned


@dataclass(frozen=True, slots=True)
class CoordinationTime:
    """The lead's time: spawning teammates, handing work between them, merging their branches."""

    teammates: int
    handoffs: int
    """Pairs of a task and another teammate it waits on directly."""
    owners: int
    """Teammates with `owns`, whose branches are merged."""
    rates: Coordination

    @property
    def terms(self) -> tuple[tuple[str, int, float], ...]:
        """(what, how many, seconds each)."""
        rates = self.rates
        return (("spawn", self.teammates, rates.spawn), ("handoff", self.handoffs, rates.handoff),
                ("merge", self.owners, rates.merge))  # fmt: skip

    @property
    def seconds(self) -> float:
        return sum(count * each for _, count, each in self.terms)


@dataclass(frozen=True, slots=True)
class Schedule:
    start: tuple[float, ...]
    """Seconds from the start of the run at which each task starts, by task index."""
    finish: tuple[float, ...]
    durations: tuple[float, ...]
    """Each task's duration by task index: the spec's, times the learned duration factor of its model."""
    total_work: float
    coordination_time: CoordinationTime

    @property
    def coordination(self) -> float:
        return self.coordination_time.seconds

    @property
    def makespan(self) -> float:
        return max(self.finish, default=0.0)

    @property
    def speedup(self) -> float:
        return self.total_work / self.makespan if self.makespan else 1.0


def schedule(spec: Spec, graph: TaskGraph, learned: Learned | None = None, runtime: str | None = None) -> Schedule:
    """List scheduling with each teammate a serial worker and no limit on teammates.

    A teammate's tasks are chained in the graph, so the earliest start of every
    task (the latest finish among its predecessors) is exactly that schedule.
    Durations and coordination rates are multiplied by the learned factors
    (of each task's model; of `runtime`, default `team.runtime`).
    """
    assert graph.order is not None, "schedule needs an acyclic task graph"
    durations = task_durations(spec, graph, learned)
    start = [0.0] * len(durations)
    finish = [0.0] * len(durations)
    for node in graph.order:
        start[node] = max((finish[source] for source in graph.predecessors[node]), default=0.0)
        finish[node] = start[node] + durations[node]
    factor = learned.coordination_factor(runtime or spec.team.runtime) if learned else 1.0
    return Schedule(tuple(start), tuple(finish), tuple(durations), sum(durations), coordination_time(spec, factor))


def task_durations(spec: Spec, graph: TaskGraph, learned: Learned | None) -> list[float]:
    """Each task's duration for the schedule: as the spec gives it, times its model's learned duration factor."""
    if not learned:
        return [task.duration_seconds for task in graph.tasks]
    model = {mate.name: resolve_model(mate.model.value, spec.team.lead_model) for mate in spec.teammates}
    return [task.duration_seconds * learned.duration_factor(model[task.teammate]) for task in graph.tasks]


def coordination_time(spec: Spec, factor: float = 1.0) -> CoordinationTime:
    """spawn x teammates + handoff x (task, other teammate it waits on) pairs + merge x owners; the rates
    (`budget.coordination`) times the learned coordination factor."""
    teammate_of = {task.id: task.teammate for task in spec.tasks}
    handoffs = {
        (task.id, teammate_of[target])
        for task in spec.tasks
        for entry in task.after
        for target in entry.targets
        if teammate_of[target] != task.teammate
    }
    owners = sum(1 for teammate in spec.teammates if teammate.owns)
    rates = spec.budget.coordination
    if factor != 1:
        rates = Coordination(rates.spawn * factor, rates.handoff * factor, rates.merge * factor)
    return CoordinationTime(len(spec.teammates), len(handoffs), owners, rates)
