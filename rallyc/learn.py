"""`rallyc learn`: HARMONIZE, the loop that makes the estimates learn from the team's own runs.

COLLECT and EVALUATE read the finished runs (`rallyc.history`). EXTRACT finds
the parameters the estimates rest on, each with its data points (one per
finished run that exercised it; the latest `WINDOW`): a duration factor per
model, a token factor per model and runtime, a coordination factor per
runtime. ADAPT proposes at most `MAX_CHANGES` of them, the largest relative
errors first; a parameter with fewer than `MIN_POINTS` data points, or whose
change would be under `MIN_CHANGE`, is reported and left alone. SAFEGUARD
and RECORD (`apply`, `rollback`): the previous values are pushed as a
snapshot before anything is written, and every change, rollback and
approval is a journal entry. Changes backed by runs whose median grade is B
or better are written only with approval.

Nothing learned touches ownership: only estimates (durations, tokens,
coordination) have learned values.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from rallyc.errors import RallyError
from rallyc.history import GRADES, History, RunRecord, median, median_grade
from rallyc.journal import append_entry
from rallyc.learned import (COORDINATION, DURATION, TOKENS, DataPoint, Learned, LearnedFile, LearnedValue, Parameter,
                            file_document, read_learned)  # fmt: skip
from rallyc.paths import inside
from rallyc.repo import JOURNAL, LEARNED_FILE

MIN_POINTS = 3
"""The guide: never adapt a default with fewer than 3 data points."""
MAX_CHANGES = 3
"""The guide: at most 3 parameter default changes per session."""
MIN_CHANGE = 0.10
"""A change under 10% is noise, not a lesson."""
WINDOW = 10
"""The latest data points a parameter is learned from: old runs of a team that changed teach the wrong thing."""
APPROVAL_GRADE = "B"
"""Runs graded this or better are a configuration that works: changing its estimates needs a person's yes."""


@dataclass(frozen=True, slots=True)
class Estimate:
    """One parameter: what it is now, what the runs showed and what is proposed."""

    parameter: Parameter
    points: tuple[DataPoint, ...]
    """The runs that exercised it, oldest first."""
    grade: str
    """The median TES grade of those runs."""
    current: float
    proposed: float | None = None
    why_not: str = ""
    """Why nothing is proposed (fewer than 3 runs, under 10%, past the 3 changes)."""

    @property
    def observed(self) -> float:
        return median([point.value for point in self.points])

    @property
    def spread(self) -> tuple[float, float]:
        values = [point.value for point in self.points]
        return min(values), max(values)

    @property
    def error(self) -> float:
        """How far off the current value is, relative to what the runs showed."""
        return abs(self.current / self.observed - 1)

    @property
    def needs_approval(self) -> bool:
        return GRADES.index(self.grade) >= GRADES.index(APPROVAL_GRADE)

    def learned_value(self) -> LearnedValue:
        assert self.proposed is not None
        return LearnedValue(self.parameter, self.proposed, len(self.points), self.points)


@dataclass(frozen=True, slots=True)
class Proposal:
    history: History
    estimates: tuple[Estimate, ...]
    """Every parameter the runs exercised, the proposed changes first."""
    current: Learned

    @property
    def changes(self) -> tuple[Estimate, ...]:
        return tuple(item for item in self.estimates if item.proposed is not None)

    @property
    def after(self) -> Learned:
        return self.current.replaced(item.learned_value() for item in self.changes)

    @property
    def needs_approval(self) -> bool:
        return any(item.needs_approval for item in self.changes)


# ---- EXTRACT and ADAPT ---------------------------------------------------------------


def propose(history: History, current: Learned) -> Proposal:
    """What the runs say about every parameter, and the changes worth making (at most 3, largest errors first)."""
    grades = {run.run_id: run.grade for run in history.runs}
    found = []
    for parameter, points in sorted(data_points(history.runs).items()):
        kept = tuple(points[-WINDOW:])
        grade = median_grade([grades[point.run] for point in kept])
        found.append(Estimate(parameter, kept, grade, current.factor(parameter)))
    ranked = sorted(found, key=lambda item: -item.error)
    chosen: list[Estimate] = []
    for item in ranked:
        chosen.append(_judged(item, sum(1 for done in chosen if done.proposed is not None)))
    return Proposal(history, tuple(sorted(chosen, key=lambda item: (item.proposed is None, -item.error))), current)


def _judged(item: Estimate, changes_so_far: int) -> Estimate:
    if len(item.points) < MIN_POINTS:
        return replace(item, why_not=f"{len(item.points)} run{'s' if len(item.points) != 1 else ''}: "
                                     f"{MIN_POINTS} needed")  # fmt: skip
    proposed = float(f"{item.observed:.3g}")
    if abs(proposed / item.current - 1) < MIN_CHANGE:
        return replace(item, why_not="within 10% of the current value")
    if changes_so_far >= MAX_CHANGES:
        return replace(item, why_not=f"beyond the {MAX_CHANGES} changes a session may make")
    return replace(item, proposed=proposed)


def data_points(runs: Iterable[RunRecord]) -> dict[Parameter, list[DataPoint]]:
    """Parameter -> one data point per run that exercised it (actual / the spec's estimate), oldest run first."""
    found: dict[Parameter, list[DataPoint]] = {}
    for run in runs:
        for parameter, value in _run_points(run):
            found.setdefault(parameter, []).append(DataPoint(run.run_id, round(value, 6)))
    return found


def _run_points(run: RunRecord) -> Iterator[tuple[Parameter, float]]:
    """A run's data points: its done tasks per model (time; tokens when the backend reported any) and its
    coordination time."""
    done = [task for task in run.tasks if task.done]
    for model in sorted({task.model for task in done}):
        mine = [task for task in done if task.model == model]
        seconds, spec_seconds = sum(t.actual_seconds for t in mine), sum(t.spec_seconds for t in mine)
        if seconds > 0 and spec_seconds > 0:
            yield Parameter(DURATION, model=model), seconds / spec_seconds
        tokens, spec_tokens = sum(t.actual_tokens for t in mine), sum(t.spec_tokens for t in mine)
        if tokens > 0 and spec_tokens > 0:
            yield Parameter(TOKENS, model=model, runtime=run.runtime), tokens / spec_tokens
    if done and run.actual_coordination > 0 and run.spec_coordination > 0:
        yield Parameter(COORDINATION, runtime=run.runtime), run.actual_coordination / run.spec_coordination


# ---- SAFEGUARD and RECORD ------------------------------------------------------------


def learned_file(folder: Path) -> LearnedFile:
    """The team's learned values (none yet: an empty file)."""
    path = folder / LEARNED_FILE
    return read_learned(path) if path.is_file() else LearnedFile(Learned())


def apply(folder: Path, proposal: Proposal, approval: str | None, when: str) -> None:
    """Write the proposed changes over the current values, the current values pushed as a snapshot first;
    journal the change (and the approval that allowed it)."""
    before = learned_file(folder)
    after = LearnedFile(proposal.after, (*before.snapshots, (when, before.current)))
    _write(folder, after)
    lines = [f"- {item.parameter.label}: {item.current:g} -> {item.proposed:g} (observed median {item.observed:.3g} "
             f"over {len(item.points)} runs, {', '.join(point.run for point in item.points)}; median grade "
             f"{item.grade})" for item in proposal.changes]  # fmt: skip
    if approval:
        lines.append(f"- Approved ({approval}): the runs behind a change are graded {APPROVAL_GRADE} or better")
    lines.append(f"- Snapshot of the values before saved in {LEARNED_FILE.as_posix()} (rallyc learn --rollback)")
    _journal(folder, when, f"learn: {len(proposal.changes)} change(s) applied", lines)


def rollback(folder: Path, when: str) -> tuple[Learned, Learned]:
    """Restore the last snapshot; (the values undone, the values restored). RallyError when there is none."""
    found = learned_file(folder)
    if not found.snapshots:
        raise RallyError(f"nothing to roll back: {folder / LEARNED_FILE} has no snapshot",
                         hint="rallyc learn --apply saves one before every change")  # fmt: skip
    restored = found.snapshots[-1][1]
    remaining = found.snapshots[:-1]
    if restored.values or remaining:
        _write(folder, LearnedFile(restored, remaining))
    else:  # back to before the first change: as if nothing was ever learned
        (folder / LEARNED_FILE).unlink()
    lines = [f"- Undone: {_listed(found.current)}", f"- Restored (snapshot of {found.snapshots[-1][0]}): "
             f"{_listed(restored)}"]  # fmt: skip
    _journal(folder, when, "learn: rollback", lines)
    return found.current, restored


def _listed(learned: Learned) -> str:
    return "; ".join(f"{item.parameter.label} {item.value:g}" for item in learned.values) or "no learned values"


def _write(folder: Path, learned: LearnedFile) -> None:
    import json

    from rallyc.files import write_atomic

    text = json.dumps(file_document(learned), indent=2, sort_keys=True) + "\n"
    write_atomic(inside(folder, LEARNED_FILE.as_posix()), text)


def _journal(folder: Path, when: str, title: str, lines: list[str]) -> None:
    entry = f"\n## {when} {title}\n\n" + "".join(line + "\n" for line in lines)
    append_entry(inside(folder, JOURNAL.as_posix()), entry)
