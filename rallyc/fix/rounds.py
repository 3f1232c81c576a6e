"""Rounds: the one-at-a-time loop run ahead on a model of the spec, its edits made at once, checked by one lint.

Two kinds of fix change the spec in ways a model can follow without reading it
again:

- An `after` added for a race (RY201) changes only the task graph: the reader
  now waits on the writer and on all the writer waits on. Which races remain,
  the order the loop takes them in (places, then the writer latest in the
  graph's order) and whether a fix would leave no parallel work (RY206, which
  the loop refuses) all follow from the graph, kept as reachability bitsets.
- A glob replaced by its hint (RY004) changes one scalar; while another RY004
  remains the later checks stay blocked, so the only change to the findings is
  the one fixed.

A round runs the loop on the model for as long as its next fix is one of these
kinds and one the loop would apply, makes all the round's edits (one per
reading task: several `after` entries come out as adding them one by one
would), and lints once. The round stands only when that lint finds what the
model predicted: the fixable findings, the errors, and, for globs, every
structure finding. Otherwise nothing of it is kept and the loop goes on one fix
at a time. Either way the result is the one-at-a-time loop's; a spec whose
every teammate reads what all the others write (one fix per race) takes a lint
per round instead of one per fix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rallyc import yamledit
from rallyc.analysis.graph import TaskGraph, members, topological_order
from rallyc.config import Settings
from rallyc.diagnostics import Diagnostic, Fix
from rallyc.fix.changes import Change, change_for, combined
from rallyc.fix.state import (
    Key,
    State,
    errors,
    fixable,
    graph_of,
    in_phases,
    instances,
    key,
    lint_state,
    loads_as_intended,
    placer,
    settings_of,
)

RACE = "RY201"
GLOB = "RY004"
_MONOTONE = frozenset({"RY202"})
"""Errors an added `after` can only lessen, which the model does not count: shared-state races."""


@dataclass(frozen=True, slots=True)
class Round:
    steps: tuple[Diagnostic, ...]
    """The fixes, in the order the loop would apply them."""
    change: Change
    predicted: Counter[Key]
    """The fixable findings the lint after the round must find."""
    errors: Counter[str]
    """The errors by code it must find (the codes in `_MONOTONE` at most as many)."""
    structure: Counter[tuple[str, str]] | None = None
    """For a round of globs: every finding of the phases reached, as the lint after it must find them."""


@dataclass(slots=True)
class _Graph:
    """The task graph as `after` edges are added: predecessors, reachability, and the order the loop sorts by."""

    base: TaskGraph
    predecessors: list[tuple[int, ...]]
    descendants: list[int]
    ancestors: list[int]
    order: tuple[int, ...] | None

    @classmethod
    def of(cls, graph: TaskGraph) -> _Graph:
        return cls(graph, list(graph.predecessors), list(graph.descendants), list(graph.ancestors), graph.order)

    def with_edge(self, source: int, target: int) -> _Graph:
        """A copy in which `target` waits on `source` (two tasks neither of which reaches the other)."""
        predecessors = [*self.predecessors]
        predecessors[target] = (*predecessors[target], source)
        descendants, ancestors = [*self.descendants], [*self.ancestors]
        above, below = self.ancestors[source] | 1 << source, self.descendants[target] | 1 << target
        for node in members(above):
            descendants[node] |= below
        for node in members(below):
            ancestors[node] |= above
        return _Graph(self.base, predecessors, descendants, ancestors, topological_order(tuple(predecessors)))

    @property
    def graph(self) -> TaskGraph:
        base = self.base
        return TaskGraph(base.tasks, base.index, tuple(self.predecessors), self.order, tuple(self.descendants),
                         tuple(self.ancestors))  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Candidate:
    diagnostic: Diagnostic
    key: Key
    race: tuple[int, int] | None
    """(writer, reader) task numbers of an `after` fix for a race."""


def predict(state: State, settings: Settings, tried: set[Key], budget: int) -> Round | None:
    """The fixes the one-at-a-time loop would apply next, as far as the model can follow; None for none."""
    candidates = fixable(state, settings)
    live = [d for d in candidates if key(d) not in tried]
    first = min(live, key=placer(graph_of(state), live), default=None)
    if first is None or first.code not in (RACE, GLOB):
        return None
    return _globs(state, candidates, first, budget) if first.code == GLOB else _races(state, candidates, tried, budget)


def _globs(state: State, candidates: list[Diagnostic], first: Diagnostic, budget: int) -> Round | None:
    """The glob fixes the loop applies before any other kind: after the first, every fix is live again."""
    tree = yamledit.compose(state.text)
    rest = sorted((d for d in candidates if d is not first), key=placer(None, candidates))
    steps: list[Diagnostic] = []
    changes: list[Change] = []
    for diagnostic in [first, *rest][:budget]:
        change = change_for(state.ctx, diagnostic.fix, tree) if diagnostic.fix and diagnostic.code == GLOB else None
        if not isinstance(change, Change):
            break
        steps.append(diagnostic)
        changes.append(change)
    if not steps:
        return None
    structure = instances(state) - Counter((step.code, step.message) for step in steps)
    return Round(tuple(steps), combined(changes), Counter(), Counter(), structure)


def _races(state: State, found: list[Diagnostic], tried: set[Key], budget: int) -> Round | None:
    """The `after` fixes the loop applies next, on the graph model, up to one it would refuse or not take."""
    race = _race_finder(state.ctx.graph)
    candidates = [_Candidate(d, key(d), race(d)) for d in found]
    groups, model, tried, start = _by_place(candidates), _Graph.of(state.ctx.graph), set(tried), 0
    steps: list[_Candidate] = []
    added: dict[int, list[str]] = {}
    tree = yamledit.compose(state.text)
    while len(steps) < budget:
        target, start = _next(model.graph, groups, start, tried)
        if target is None or target.race is None or target.diagnostic.fix is None:
            break
        writer, reader = target.race
        after = model.with_edge(writer, reader)
        if not after.graph.has_parallel_work():
            break  # the loop refuses this one (RY206): it takes it on its own
        if reader not in added and isinstance(change_for(state.ctx, target.diagnostic.fix, tree), str):
            break
        model, tried = after, set()
        steps.append(target)
        added.setdefault(reader, []).append(target.diagnostic.fix.text)
    return _race_round(state, candidates, race, model.graph, steps, added, tree) if steps else None


def _race_finder(graph: TaskGraph) -> Callable[[Diagnostic], tuple[int, int] | None]:
    """A race's (writer, reader) task numbers, from the `after` its fix adds; None for any other finding."""
    task_at = {task.span: number for number, task in enumerate(graph.tasks)}

    def race(diagnostic: Diagnostic) -> tuple[int, int] | None:
        fix = diagnostic.fix
        if diagnostic.code != RACE or fix is None or fix.key != "after":
            return None
        return graph.index[fix.text], task_at[fix.span]

    return race


def _by_place(candidates: list[_Candidate]) -> list[list[_Candidate]]:
    """Candidates grouped by place and code, in the loop's order: only the order within a group moves."""
    groups: dict[tuple[int, int, str], list[_Candidate]] = {}
    for candidate in candidates:
        fix = candidate.diagnostic.fix
        assert fix is not None
        groups.setdefault((fix.span.line, fix.span.column, candidate.diagnostic.code), []).append(candidate)
    return [groups[place] for place in sorted(groups)]


def _next(graph: TaskGraph, groups: list[list[_Candidate]], start: int, tried: set[Key]) -> tuple[_Candidate | None, int]:
    """The loop's next fix, and where the next search may start (before it, only races that ended)."""
    for number in range(start, len(groups)):
        live = [c for c in groups[number] if _racing(graph, c.race)]
        if not live and number == start:
            start += 1  # races end for good: no later step needs this place again
        live = [c for c in live if c.key not in tried]
        if live:
            place = placer(graph, [c.diagnostic for c in live])
            return min(live, key=lambda c: place(c.diagnostic)), start
    return None, start


def _racing(graph: TaskGraph, race: tuple[int, int] | None) -> bool:
    return race is None or graph.concurrent(*race)


def _race_round(state: State, candidates: list[_Candidate], race: Callable[[Diagnostic], tuple[int, int] | None],
                graph: TaskGraph, steps: list[_Candidate], added: dict[int, list[str]], tree: Any) -> Round:  # fmt: skip
    """The round's one edit per reader and what the lint after it must find."""
    first: dict[int, Fix] = {}
    for step in steps:
        assert step.race is not None and step.diagnostic.fix is not None
        first.setdefault(step.race[1], step.diagnostic.fix)
    changes = [change_for(state.ctx, fix, tree, added[reader]) for reader, fix in first.items()]
    predicted = Counter(c.key for c in candidates if _racing(graph, c.race))
    expected = errors(state)
    expected[RACE] -= sum(1 for d in state.findings if not _racing(graph, race(d)))
    return Round(tuple(s.diagnostic for s in steps), combined([c for c in changes if isinstance(c, Change)]),
                 predicted, +expected)  # fmt: skip


def confirm(state: State, planned: Round, settings: Settings) -> State | None:
    """The state after the round when one lint of its edits finds what the model predicted, else None."""
    text = yamledit.apply(state.text, planned.change.edits)
    if loads_as_intended(state, text, planned.change) is not None:
        return None
    after = lint_state(state.ctx.path, state.ctx.file, text, settings_of(state), state)
    if planned.structure is not None:  # globs: the phases reached stay as predicted; later ones may open
        reached = Counter({item: n for item, n in instances(after).items() if in_phases(item[0], state.phases)})
        return after if reached == planned.structure else None
    if after.phases != state.phases or Counter(key(d) for d in fixable(after, settings)) != planned.predicted:
        return None
    found, before = errors(after), errors(state)
    exact = all(found[code] == planned.errors[code] for code in set(found) | set(planned.errors) if code not in _MONOTONE)
    return after if exact and all(found[code] <= before[code] for code in _MONOTONE) else None
