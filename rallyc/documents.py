"""The documents compile writes and the runner fills in: handoff.md and the prompt of one task.

One template each, rendered from the plan: `rallyc compile` renders the
handoff with `[[RESULT: ...]]` slots for what only a run knows; `rallyc run`
renders the same template with the run's report.json document filling every
slot, so the two cannot drift apart (a test checks the run's handoff is the
compiled one with its slots filled).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rallyc.plan import Plan, TaskPlan
from rallyc.render import render
from rallyc.statuses import RunOutcome, TaskStatus

DESTINATIONS = {"nexus": "Nexus", "guardian": "Guardian", "radar": "Radar", "judge": "Judge", "user": "the user"}
"""`report.to` -> how the handoff names it."""
STEPS = {RunOutcome.PASSED: "SUCCESS", RunOutcome.PARTIAL: "PARTIAL", RunOutcome.FAILED: "FAILED",
         RunOutcome.INTERRUPTED: "BLOCKED"}  # fmt: skip
"""The handoff's `_STEP_COMPLETE` status for each outcome."""
COMPLETENESS = {RunOutcome.PASSED: "complete", RunOutcome.PARTIAL: "partial", RunOutcome.FAILED: "blocked",
                RunOutcome.INTERRUPTED: "blocked"}  # fmt: skip


def handoff(plan: Plan, run: Mapping[str, Any] | None = None) -> str:
    """handoff.md for `plan.report_to`: with slots at compile time, filled from `run` (a report.json document)."""
    return render("common/handoff.md.j2", plan=plan, run=run, destinations=DESTINATIONS, steps=STEPS,
                  completeness=COMPLETENESS, RunOutcome=RunOutcome, TaskStatus=TaskStatus)  # fmt: skip


def task_prompt(task: TaskPlan, attempt: int, previous: str) -> str:
    """This task and how the runner checks it (sent after the teammate prompt, or as the user turn)."""
    return render("common/task.md.j2", task=task, attempt=attempt, previous=previous)


def full_prompt(teammate_prompt: str, task_text: str) -> str:
    """What the prompt file holds: the teammate prompt, a rule, this task."""
    return f"{teammate_prompt.rstrip()}\n\n---\n\n{task_text}"
