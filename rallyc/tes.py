"""The team execution score (TES): one formula, for the run that computes it and for `rallyc learn`, which checks
that a past report's score is what its own figures give (`rallyc.reportcheck`).

TES = 0.30 parallel efficiency + 0.20 task economy + 0.20 conflict prevention + 0.20 integration quality
+ 0.10 user autonomy, each part in [0, 1] (docs/runner.md, "TES, the team execution score").
"""

from __future__ import annotations

from dataclasses import dataclass

from rallyc.statuses import RunOutcome

WEIGHTS = (("parallel_efficiency", 0.30), ("task_economy", 0.20), ("conflict_prevention", 0.20),
           ("integration_quality", 0.20), ("user_autonomy", 0.10))  # fmt: skip
GRADES = ((0.90, "A"), (0.80, "B"), (0.70, "C"), (0.60, "D"))


@dataclass(frozen=True, slots=True)
class Tes:
    score: float
    grade: str
    parts: dict[str, float]


@dataclass(frozen=True, slots=True)
class TesFigures:
    """What the score is computed from: the plan's and the run's figures."""

    tasks: int
    done: int
    planned_speedup: float
    achieved_speedup: float
    estimated_tokens: float
    used_tokens: float
    violations_and_conflicts: int
    checks_passed: int
    checks: int
    retries_and_escalations: int
    outcome: RunOutcome


def score(figures: TesFigures) -> Tes:
    f = figures
    values = (
        min(1.0, f.achieved_speedup / f.planned_speedup) if f.planned_speedup > 0 else 1.0,
        f.done / f.tasks * (min(1.0, f.estimated_tokens / f.used_tokens) if f.used_tokens > 0 else 1.0),
        max(0.0, 1 - f.violations_and_conflicts / f.tasks),
        f.checks_passed / f.checks if f.checks else 1.0,
        max(0.0, 1 - f.retries_and_escalations / f.tasks),
    )
    parts = dict(zip((name for name, _ in WEIGHTS), values, strict=True))
    total = sum(weight * parts[name] for name, weight in WEIGHTS)
    return Tes(round(total, 4), capped_grade(grade_of(total), f.done, f.outcome),
               {name: round(value, 4) for name, value in parts.items()})  # fmt: skip


def grade_of(score: float) -> str:
    return next((letter for floor, letter in GRADES if round(score, 9) >= floor), "F")


def capped_grade(grade: str, done: int, status: RunOutcome) -> str:
    """F when no task is done; at most C when the run is partial: a score cannot grade work that did not land."""
    if done == 0:
        return "F"
    return max(grade, "C") if status == RunOutcome.PARTIAL else grade  # letters sort from best to worst
