"""COLLECT and EVALUATE for `rallyc learn`: a repository's finished runs, each set against the plan it ran.

A run counts when its folder holds the `report.json` of a finished run and
the `plan.json` it ran. Reports of an interrupted or crashed run, reports in
a newer format, reports or plans from an older rallyc that lack a field
learning needs, and reports that are not true (`rallyc.reportcheck`; a run
folder that is a symbolic link, a report naming another run, a run whose
commits an earlier run already reported) are skipped, counted and named
with the reason, never a traceback.

For every task the estimate is taken apart into what the spec gave (its
`estimate`, else half its `timeout`; its `tokens` x `overhead`) and the
learned factor the plan applied, so a factor is always learned against the
spec's own figures: a run made with learned estimates teaches the same factor
as one made without, and nothing is corrected twice.
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rallyc.errors import RallyError
from rallyc.journal import overrides_by_run
from rallyc.learned import Learned, from_plan
from rallyc.models import resolve_model
from rallyc.repo import JOURNAL
from rallyc.reportcheck import contradiction
from rallyc.statuses import RunOutcome, TaskStatus
from rallyc.tes import GRADES as TES_GRADES

REPORT_VERSION = 1
"""The newest report format this rallyc reads (what `rallyc run` writes)."""
GRADES = "F" + "".join(letter for _, letter in reversed(TES_GRADES))
"""TES grades, worst first ("FDCBA"): taken from the formula's own table, so a grade it adds is read too."""


class Outdated(Exception):
    """A report or plan without a field learning needs (an older rallyc's, or edited by hand)."""


class Skipped(Exception):
    """A run learning does not use: `kind` is the count it falls under, the message says why."""

    def __init__(self, kind: str, why: str) -> None:
        super().__init__(why)
        self.kind = kind


@dataclass(frozen=True, slots=True)
class TaskOutcome:
    id: str
    model: str
    """The model the task was priced as (`inherit` resolved to the lead's)."""
    done: bool
    spec_seconds: float
    """The duration the spec gives: `estimate`, else half the `timeout` (the factor's base)."""
    planned_seconds: float
    """What the plan used: the spec's times the learned duration factor it applied."""
    actual_seconds: float
    spec_tokens: float
    """`tokens` x `overhead` (the factor's base)."""
    planned_tokens: float
    actual_tokens: int


@dataclass(frozen=True, slots=True)
class RunRecord:
    run_id: str
    status: RunOutcome
    runtime: str
    """The runtime the run's plan was compiled for (claude-subagents or codex-subagents)."""
    tes: float
    grade: str
    parts: tuple[tuple[str, float], ...]
    """TES parts: (name, value in [0, 1])."""
    tasks: tuple[TaskOutcome, ...]
    spec_coordination: float
    """The coordination time the spec's rates give (the factor's base)."""
    actual_coordination: float
    """The run's time outside its task phase: the fan-in merges and the team's checks (`wall_seconds` less
    `task_wall_seconds`)."""
    planned_makespan: float
    actual_makespan: float
    """The task phase's wall time."""
    planned_tokens: float
    actual_tokens: int
    overrides: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class History:
    runs: tuple[RunRecord, ...]
    """Oldest first."""
    unfinished: int = 0
    """Runs without a report, or interrupted."""
    outdated: int = 0
    """Reports or plans from an older rallyc, or missing a field."""
    newer: int = 0
    """Reports in a format newer than this rallyc reads."""
    untrue: int = 0
    """Reports whose figures contradict themselves, their plan or an earlier run."""
    skipped: tuple[tuple[str, str], ...] = ()
    """(run folder, why) for every run not used, in run order."""


def collect(top: Path, journal_folder: Path) -> History:
    """Every run under `top`/.rally/runs, oldest first; overrides missing from a report come from the journal."""
    from rallyc.runner.state import RunFolder, runs_in

    journal = journal_folder / JOURNAL
    recorded = overrides_by_run(journal.read_text(encoding="utf-8", errors="replace")) if journal.is_file() else {}
    runs: list[RunRecord] = []
    counts = {"unfinished": 0, "outdated": 0, "newer": 0, "untrue": 0}
    skipped: list[tuple[str, str]] = []
    commits: set[str] = set()
    for run_id in runs_in(top):
        folder = RunFolder(top, run_id)
        try:
            runs.append(_read(folder.path, run_id, folder.plan_file, recorded.get(run_id, []), commits))
        except Skipped as skip:
            counts[skip.kind] += 1
            skipped.append((folder.path.relative_to(top).as_posix(), str(skip)))
    return History(tuple(runs), **counts, skipped=tuple(skipped))


def _read(folder: Path, run_id: str, plan_file: Path, journal_overrides: list[str], commits: set[str]) -> RunRecord:
    """The run in `folder`; Skipped saying why not (`commits`: those earlier runs reported, added to)."""
    if folder.is_symlink():
        raise Skipped("untrue", "the run folder is a symbolic link, not a run made here")
    report = _document(folder / "report.json", missing="unfinished")
    if not isinstance(report, dict) or not isinstance(report.get("version"), int):
        raise Skipped("outdated", "report.json is not a rallyc report")
    if report["version"] > REPORT_VERSION:
        raise Skipped("newer", f"report.json is in format {report['version']}, newer than this rallyc reads")
    if report.get("status") == RunOutcome.INTERRUPTED or report.get("finished_at") is None:
        raise Skipped("unfinished", "the run was interrupted or has not finished")
    if report.get("run_id") != run_id:
        raise Skipped("untrue", f"report.json names run {report.get('run_id')!r}, not its folder's")
    plan = _document(plan_file, missing="outdated")
    try:
        record = _record(report, plan, plan_file, journal_overrides)
        wrong = contradiction(report, plan) or _repeated(report, commits)
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError, Outdated, RallyError) as error:
        raise Skipped("outdated", f"a field learning needs is missing or of the wrong kind ({error})") from None
    if wrong:
        raise Skipped("untrue", f"report.json is not true: {wrong}")
    return record


def _document(path: Path, missing: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise Skipped(missing, f"no {path.name}") from None
    except (OSError, ValueError, RecursionError) as error:
        raise Skipped("outdated", f"{path.name} cannot be read ({type(error).__name__}: {error})") from None


def _repeated(report: dict[str, Any], commits: set[str]) -> str | None:
    """A run's commits are its own: a report naming commits an earlier report named is a copy."""
    mine = {str(task["commit"]) for task in report["tasks"] if task.get("commit")}
    if mine & commits:
        return f"it names commits an earlier run reported ({', '.join(sorted(mine & commits))[:60]})"
    commits |= mine
    return None


def _record(report: dict[str, Any], plan: dict[str, Any], plan_file: Path, journal_overrides: list[str]) -> RunRecord:
    learned = from_plan(plan.get("learned"), plan_file)
    runtime = _text(plan["runtime"])
    outcomes = {task["id"]: task for task in report["tasks"]}
    models = _models(plan)
    tasks = tuple(_outcome(task, outcomes[task["id"]], models[task["teammate"]], plan, learned, runtime)
                  for task in plan["tasks"])  # fmt: skip
    coordination = _number(plan["coordination_seconds"])
    tes = report["tes"]
    overrides = report.get("overrides", journal_overrides)
    return RunRecord(
        run_id=_text(report["run_id"]), status=RunOutcome(_text(report["status"])), runtime=runtime,
        tes=_number(tes["score"]), grade=_grade(tes["grade"]),
        parts=tuple((_text(name), _number(value)) for name, value in tes["parts"].items()), tasks=tasks,
        spec_coordination=coordination / learned.coordination_factor(runtime),
        actual_coordination=max(_number(report["wall_seconds"]) - _number(report["task_wall_seconds"]), 0.0),
        planned_makespan=_number(plan["makespan_seconds"]), actual_makespan=_number(report["task_wall_seconds"]),
        planned_tokens=_number(plan["budget"]["estimated_tokens"]), actual_tokens=int(_number(report["tokens"])),
        overrides=tuple(str(item) for item in overrides),
    )  # fmt: skip


def _outcome(task: dict[str, Any], outcome: dict[str, Any], model: str, plan: dict[str, Any], learned: Learned,
             runtime: str) -> TaskOutcome:  # fmt: skip
    estimate = task["estimate_seconds"]
    spec_seconds = _number(estimate) if estimate is not None else _number(task["timeout_seconds"]) / 2
    spec_tokens = _number(task["tokens"]) * _number(plan["budget"]["overhead"])
    return TaskOutcome(
        id=_text(task["id"]), model=model, done=outcome["status"] == TaskStatus.DONE, spec_seconds=spec_seconds,
        planned_seconds=_number(task["duration_seconds"]), actual_seconds=_number(outcome["duration_s"]),
        spec_tokens=spec_tokens, planned_tokens=spec_tokens * learned.token_factor(model, runtime),
        actual_tokens=int(_number(outcome["tokens"])),
    )  # fmt: skip


def _models(plan: dict[str, Any]) -> dict[str, str]:
    """Teammate -> the model its tasks were priced as."""
    lead = _text(plan["team"]["lead"]["model"])
    return {_text(mate["name"]): resolve_model(_text(mate["model"]), lead) for mate in plan["teammates"]}


def _number(value: Any) -> float:
    """A finite number, 0 or more (JSON as Python reads it also holds NaN, Infinity and integers past any float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        raise Outdated(f"not a number: {str(value)[:40]}")
    return float(value)


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise Outdated(f"not a name: {value!r}")
    return value


def _grade(value: Any) -> str:
    if value not in tuple(GRADES):
        raise Outdated(f"not a grade: {value!r}")
    return str(value)


def median_grade(grades: list[str]) -> str:
    """The median of TES grades; of an even count, the better middle one (approval is asked when in doubt)."""
    ranked = sorted(GRADES.index(grade) for grade in grades)
    return GRADES[ranked[len(ranked) // 2]]


def median(values: list[float]) -> float:
    return float(statistics.median(values))
