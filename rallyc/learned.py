"""Learned values: `.agents/rally-learned.json`, what `rallyc learn --apply` writes and every estimate reads.

Each value is a factor on the spec's own figures, never a replacement for
them: a task's duration (its `estimate`, else half its `timeout`, else 15m)
times the duration factor of its model; its tokens times `budget.overhead`
times the token factor of its model and runtime (one factor for both, so
nothing is corrected twice); the coordination rates times the coordination
factor of the runtime. A parameter without a learned value has the factor 1.

The file holds a format `version`, the current `values` (each with the runs
it was learned from) and `snapshots`, the earlier versions, newest last: the
rollback stack. It is read on every lint that finds it, so this module
imports nothing heavy, and lint does not import it when there is no file.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeGuard

from rallyc.errors import RallyError
from rallyc.source import Span

LEARNED_VERSION = 1
DURATION, TOKENS, COORDINATION = "duration", "tokens", "coordination"
KINDS = {DURATION: ("model",), TOKENS: ("model", "runtime"), COORDINATION: ("runtime",)}
"""Each parameter kind and what it is learned per."""
_NAMES = {DURATION: "duration factor", TOKENS: "token factor", COORDINATION: "coordination factor"}


@dataclass(frozen=True, slots=True, order=True)
class Parameter:
    kind: str
    model: str | None = None
    runtime: str | None = None

    @property
    def label(self) -> str:
        """`duration factor, sonnet`, `token factor, sonnet on claude-subagents`, `coordination factor, codex-subagents`."""
        what = " on ".join(part for part in (self.model, self.runtime) if part)
        return f"{_NAMES[self.kind]}, {what}"


@dataclass(frozen=True, slots=True)
class DataPoint:
    run: str
    value: float
    """What that run showed: actual / estimated, for this parameter's tasks (or coordination) in the run."""


@dataclass(frozen=True, slots=True)
class LearnedValue:
    parameter: Parameter
    value: float
    runs: int
    """How many runs it was learned from."""
    points: tuple[DataPoint, ...] = ()
    """Those runs and what each showed (empty when read back from a plan, which records only the count)."""


@dataclass(frozen=True, slots=True)
class Learned:
    """The values an estimate uses; a parameter left out has the factor 1."""

    values: tuple[LearnedValue, ...] = ()

    def value_of(self, parameter: Parameter) -> LearnedValue | None:
        return next((item for item in self.values if item.parameter == parameter), None)

    def factor(self, parameter: Parameter) -> float:
        found = self.value_of(parameter)
        return found.value if found else 1.0

    def duration_factor(self, model: str) -> float:
        return self.factor(Parameter(DURATION, model=model))

    def token_factor(self, model: str, runtime: str) -> float:
        return self.factor(Parameter(TOKENS, model=model, runtime=runtime))

    def coordination_factor(self, runtime: str) -> float:
        return self.factor(Parameter(COORDINATION, runtime=runtime))

    def used_by(self, models: Iterable[str], runtime: str) -> tuple[LearnedValue, ...]:
        """The values a plan for these models on `runtime` uses, in a stable order."""
        wanted = set(models)
        return tuple(sorted((item for item in self.values if _applies(item.parameter, wanted, runtime)),
                            key=lambda item: item.parameter))  # fmt: skip

    def replaced(self, changes: Iterable[LearnedValue]) -> Learned:
        """These values with `changes` laid over them (a change to a parameter replaces its value)."""
        new = {item.parameter: item for item in self.values}
        new.update((item.parameter, item) for item in changes)
        return Learned(tuple(sorted(new.values(), key=lambda item: item.parameter)))


def summary(values: Iterable[LearnedValue]) -> str:
    """`duration factor, sonnet x1.52 (3 runs); ...`: for explain, lead.md and the report."""
    return "; ".join(f"{item.parameter.label} x{item.value:g} ({item.runs} run{'s' if item.runs != 1 else ''})"
                     for item in values)  # fmt: skip


def _applies(parameter: Parameter, models: set[str], runtime: str) -> bool:
    if parameter.kind != COORDINATION and parameter.model not in models:
        return False
    return parameter.kind == DURATION or parameter.runtime == runtime


@dataclass(frozen=True, slots=True)
class LearnedFile:
    """The whole file: the current values and the rollback stack (earlier versions, newest last)."""

    current: Learned
    snapshots: tuple[tuple[str, Learned], ...] = ()
    """(when it was saved, the values then)."""


def read_learned(path: Path) -> LearnedFile:
    """The file at `path`; a RallyError naming it when it is not one this rallyc can read."""
    import json

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise _broken(path, f"cannot be read ({error})") from None
    try:
        data = json.loads(text)
    except ValueError as error:
        where = Span.point(str(path), getattr(error, "lineno", 1), getattr(error, "colno", 1))
        raise RallyError(f"learned values are not valid JSON: {getattr(error, 'msg', error)}", where,
                         hint=_HINT) from None  # fmt: skip
    return file_from(data, path)


_HINT = "restore it from git, or delete it to start afresh; --no-learned ignores it"


def _broken(path: Path, problem: str) -> RallyError:
    return RallyError(f"{path}: learned values {problem}", hint=_HINT)


def file_from(data: Any, path: Path) -> LearnedFile:
    if not isinstance(data, dict) or data.get("generator") != "rallyc" or not isinstance(data.get("version"), int):
        raise _broken(path, "are not a rallyc learned-values file (no `generator: rallyc` and `version`)")
    if data["version"] > LEARNED_VERSION:
        raise RallyError(f"{path}: learned values written by a newer rallyc (format version {data['version']}; "
                         f"this rallyc reads version {LEARNED_VERSION})",
                         hint="upgrade rallyc, or ignore the file with --no-learned")  # fmt: skip
    snapshots = data.get("snapshots", [])
    if not isinstance(snapshots, list) or not all(isinstance(item, dict) for item in snapshots):
        raise _broken(path, "have `snapshots` that is not a list of objects")
    return LearnedFile(
        _values(data.get("values"), path, "values"),
        tuple((str(item.get("saved_at", "")), _values(item.get("values"), path, f"snapshots[{number}].values"))
              for number, item in enumerate(snapshots)),
    )  # fmt: skip


def _values(items: Any, path: Path, where: str) -> Learned:
    if not isinstance(items, list):
        raise _broken(path, f"have `{where}` that is not a list")
    return Learned(tuple(sorted((_value(item, path, f"{where}[{n}]") for n, item in enumerate(items)),
                                key=lambda item: item.parameter)))  # fmt: skip


def _value(item: Any, path: Path, where: str) -> LearnedValue:
    if not isinstance(item, dict) or item.get("parameter") not in KINDS:
        raise _broken(path, f"have `{where}` without a `parameter` ({', '.join(KINDS)})")
    kind = item["parameter"]
    parts = {key: item.get(key) for key in KINDS[kind]}
    value = item.get("value")
    if any(not isinstance(part, str) or not part for part in parts.values()):
        raise _broken(path, f"have `{where}` without its {' and '.join(KINDS[kind])}")
    if not _positive(value):
        raise _broken(path, f"have `{where}.value` that is not a positive number")
    points = item.get("data_points", [])
    if not isinstance(points, list) or not all(isinstance(p, dict) and _positive(p.get("value")) for p in points):
        raise _broken(path, f"have `{where}.data_points` that is not a list of runs with positive values")
    found = tuple(DataPoint(str(point.get("run", "")), float(point["value"])) for point in points)
    runs = item.get("runs", len(found))  # a plan records the count, the learned file the runs themselves
    return LearnedValue(Parameter(kind, **parts), float(value), runs if isinstance(runs, int) else len(found), found)


def _positive(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


def file_document(learned: LearnedFile) -> dict[str, Any]:
    return {
        "generator": "rallyc",
        "version": LEARNED_VERSION,
        "values": [value_document(item, points=True) for item in learned.current.values],
        "snapshots": [{"saved_at": when, "values": [value_document(item, points=True) for item in values.values]}
                      for when, values in learned.snapshots],  # fmt: skip
    }


def value_document(item: LearnedValue, *, points: bool) -> dict[str, Any]:
    """A value as JSON: with its data points (the learned file) or with its run count (plan.json)."""
    parameter = item.parameter
    found: dict[str, Any] = {"parameter": parameter.kind, "value": item.value}
    found.update({key: getattr(parameter, key) for key in KINDS[parameter.kind]})
    if points:
        found["data_points"] = [{"run": point.run, "value": point.value} for point in item.points]
    else:
        found["runs"] = item.runs
    return found


def from_plan(record: Any, path: Path) -> Learned:
    """The values a run's plan.json (at `path`) says it used, none when it has no `learned`: a resumed run
    estimates as it started."""
    return Learned() if record is None else _values(record.get("values") if isinstance(record, dict) else None,
                                                    path, "learned.values")  # fmt: skip
