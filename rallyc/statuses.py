"""The statuses of a run, its tasks, their attempts and an agent's own report, as the files spell them.

Each is a StrEnum: a member is its value as text (`TaskStatus.DONE == "done"`,
`f"{TaskStatus.DONE}"` is `done`, JSON writes `"done"`), so state.json,
events.jsonl and report.json (schemas/report.schema.json) read and write the
same bytes as plain strings did, and a status read back from a file compares
equal to its member.
"""

from __future__ import annotations

from enum import StrEnum


class TaskStatus(StrEnum):
    """A task in state.json: `pending` until dispatched (and again for a retry), `running`, then one of the ends."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"


ENDED = (TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.SKIPPED)
"""What a task can be in report.json, where a task that never ended counts as skipped."""


class RunStatus(StrEnum):
    """Where a run is (state.json): `running` while a session works on it or after a crash, `interrupted` after
    Ctrl-C, `finished` once its report is written."""

    RUNNING = "running"
    INTERRUPTED = "interrupted"
    FINISHED = "finished"


class RunOutcome(StrEnum):
    """How a run ended (report.json `status`, the journal, the summary line)."""

    PASSED = "passed"
    PARTIAL = "partial"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class AttemptStatus(StrEnum):
    """How one attempt at a task ended, before the scheduler decides what it means for the task."""

    DONE = "done"
    FAILED = "failed"
    INTERRUPTED = "interrupted"


class AgentStatus(StrEnum):
    """The `status:` an agent gives in its RALLY_REPORT block."""

    DONE = "done"
    BLOCKED = "blocked"
    FAILED = "failed"
