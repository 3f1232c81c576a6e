"""Whether a run's report agrees with itself: `rallyc learn` learns only from reports that do.

A run's folder is plain files under `.rally/runs/`: an agent working
without a sandbox, a careless edit or a copied folder can leave a report
whose figures are not what happened. Learned estimates change every later
plan, so a report is used only when its own figures hold together: every
task ran within the task phase, the task phase within the run, the run
within its start and finish times; its status follows from its tasks; and
its TES (score, parts and grade) is what rallyc computes from the report's
own tasks, tokens, checks, violations and retries and the plan's estimates.
A report that fails any of these is skipped and named, never learned from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rallyc.statuses import RunOutcome, TaskStatus
from rallyc.tes import TesFigures, score

SLACK_SECONDS = 2.0
"""Times are kept to the millisecond and timestamps to the second: a difference this small is rounding."""
SLACK_TES = 0.002
"""TES parts are kept to 4 decimals, their inputs rounded before them."""


def contradiction(report: dict[str, Any], plan: dict[str, Any]) -> str | None:
    """What in `report` contradicts the rest of it (or its plan); None when it holds together."""
    return _times(report) or _status(report) or _tes(report, plan)


def _times(report: dict[str, Any]) -> str | None:
    tasks, phase, wall = report["tasks"], float(report["task_wall_seconds"]), float(report["wall_seconds"])
    longest = max((float(task["duration_s"]) for task in tasks), default=0.0)
    if longest > phase + SLACK_SECONDS:
        return f"a task took {longest:g}s, longer than the whole task phase ({phase:g}s)"
    if phase > wall + SLACK_SECONDS:
        return f"the task phase ({phase:g}s) is longer than the whole run ({wall:g}s)"
    elapsed = (_when(report["finished_at"]) - _when(report["started_at"])).total_seconds()
    if wall > elapsed + SLACK_SECONDS:
        return f"the run took {wall:g}s, more than the {max(elapsed, 0):g}s between its start and its finish"
    return None


def _when(stamp: Any) -> datetime:
    return datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))


def _status(report: dict[str, Any]) -> str | None:
    statuses = [task["status"] for task in report["tasks"]]
    done = statuses.count(TaskStatus.DONE)
    counts = report["counts"]
    if counts["total"] != len(statuses) or counts["done"] != done:
        return f"its counts ({counts['done']} of {counts['total']} done) are not its tasks' ({done} of {len(statuses)})"
    expected = {RunOutcome.PASSED: done == len(statuses), RunOutcome.FAILED: done == 0, RunOutcome.PARTIAL: done > 0}
    if not expected.get(report["status"], False):
        return f"its status `{report['status']}` does not follow from its tasks ({done} of {len(statuses)} done)"
    return None


def _tes(report: dict[str, Any], plan: dict[str, Any]) -> str | None:
    done = sum(1 for task in report["tasks"] if task["status"] == TaskStatus.DONE)
    phase = float(report["task_wall_seconds"])
    checks = report["checks"]
    expected = score(TesFigures(
        tasks=len(plan["tasks"]), done=done, planned_speedup=float(plan["speedup"]),
        achieved_speedup=sum(float(task["duration_s"]) for task in report["tasks"]) / phase if phase > 0 else 0.0,
        estimated_tokens=float(plan["budget"]["estimated_tokens"]), used_tokens=float(report["tokens"]),
        violations_and_conflicts=len(report["violations"]) + len(report["merge_conflicts"]),
        checks_passed=sum(1 for check in checks if check["exit_code"] == 0), checks=len(checks),
        retries_and_escalations=int(report["retries"]) + int(report["escalations"]),
        outcome=RunOutcome(report["status"])))
    claimed = report["tes"]
    for name, value in expected.parts.items():
        if abs(float(claimed["parts"][name]) - value) > SLACK_TES:
            return f"its TES part {name} is {claimed['parts'][name]}, but its own figures give {value:.4f}"
    if abs(float(claimed["score"]) - expected.score) > SLACK_TES or claimed["grade"] != expected.grade:
        return (f"its TES is {claimed['score']} ({claimed['grade']}), but its own figures give "
                f"{expected.score:.4f} ({expected.grade})")
    return None
