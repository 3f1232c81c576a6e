"""Which task runs when: the task graph, one task per teammate, `concurrency` teammates, the budget.

A task is ready when every task before it in the graph is done. Ready tasks
start longest-remaining-path first (ties in spec order), as long as their
teammate is idle, fewer than `concurrency` teammates are busy and the spent
cost and tokens are below the caps. A failed task (after its retries) skips
everything after it; independent work goes on. `simulate` runs the same
policy on the estimates for `--dry-run`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable
from dataclasses import dataclass

from rallyc.plan import Plan, TaskPlan
from rallyc.runner.convergence import Convergence
from rallyc.runner.lifecycle import Outcome, TaskRunner
from rallyc.runner.report import CONVERGED
from rallyc.runner.session import Session
from rallyc.statuses import AttemptStatus, TaskStatus
from rallyc.units import format_tokens, format_usd


def successors(plan: Plan) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {task.id: [] for task in plan.tasks}
    for task in plan.tasks:
        for source in task.after:
            found[source].append(task.id)
    return found


def descendants(plan: Plan, task_id: str) -> list[str]:
    after = successors(plan)
    seen: dict[str, None] = {}
    stack = list(after[task_id])
    while stack:
        current = stack.pop()
        if current not in seen:
            seen[current] = None
            stack.extend(after[current])
    return [task.id for task in plan.tasks if task.id in seen]


def priorities(plan: Plan) -> dict[str, tuple[float, int]]:
    """Sort key per task: the longest path (by estimate) from its start to the end of the plan, then spec order."""
    after = successors(plan)
    order = {task.id: number for number, task in enumerate(plan.tasks)}
    tail: dict[str, float] = {}
    duration = {task.id: task.duration_seconds for task in plan.tasks}
    for task_id in reversed([task_id for wave in plan.waves for task_id in wave]):  # waves: a topological order
        tail[task_id] = duration[task_id] + max((tail[n] for n in after[task_id]), default=0.0)
    return {task_id: (-tail[task_id], order[task_id]) for task_id in order}


@dataclass(frozen=True, slots=True)
class Slot:
    task: str
    teammate: str
    start: float
    finish: float


def simulate(plan: Plan, concurrency: int) -> list[Slot]:
    """The schedule by estimate under the runner's own policy and concurrency limit."""
    rank = priorities(plan)
    finish: dict[str, float] = {}
    busy_until: dict[str, float] = {}
    slots: list[Slot] = []
    now = 0.0
    left = list(plan.tasks)
    while left:
        running = {mate for mate, until in busy_until.items() if until > now}
        ready = sorted((t for t in left if all(s in finish and finish[s] <= now for s in t.after)),
                       key=lambda t: rank[t.id])  # fmt: skip
        for task in ready:
            if task.teammate not in running and len(running) < concurrency:
                slots.append(Slot(task.id, task.teammate, now, now + task.duration_seconds))
                finish[task.id] = busy_until[task.teammate] = now + task.duration_seconds
                running.add(task.teammate)
                left.remove(task)
        upcoming = [t for t in list(finish.values()) + list(busy_until.values()) if t > now]
        now = min(upcoming) if upcoming else now
    return slots


class Scheduler:
    def __init__(self, session: Session, runner: TaskRunner) -> None:
        self.session = session
        self.runner = runner
        self.plan = session.plan
        self.rank = priorities(self.plan)
        self.convergence = Convergence()
        self.tried: dict[str, int] = {}
        """Attempts per task in this session (retries are counted per session)."""
        self.previous: dict[str, str] = {}

    async def run(self) -> None:
        s = self.session
        running: dict[asyncio.Task[Outcome], TaskPlan] = {}
        started = time.monotonic()
        while True:
            if not s.is_interrupted() and not self._budget_reached():
                for task in self._ready({t.teammate for t in running.values()}):
                    running[asyncio.create_task(self._attempt(task))] = task
            if not running:
                break
            finished, _ = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
            for job in finished:
                self._settle(running.pop(job), job.result())
        s.state.task_wall_s = round(s.state.task_wall_s + time.monotonic() - started, 3)
        self._skip_the_rest()
        s.save()

    async def _attempt(self, task: TaskPlan) -> Outcome:
        self.tried[task.id] = self.tried.get(task.id, 0) + 1
        return await self.runner.attempt(task, self.previous.get(task.id, ""))

    def _ready(self, busy: set[str]) -> list[TaskPlan]:
        tasks = self.session.state.tasks
        chosen: list[TaskPlan] = []
        candidates = sorted((t for t in self.plan.tasks if tasks[t.id].status == TaskStatus.PENDING
                             and all(tasks[s].status == TaskStatus.DONE for s in t.after)),
                            key=lambda t: self.rank[t.id])  # fmt: skip
        limit = self.session.state.concurrency
        for task in candidates:
            if task.teammate not in busy and len(busy) < limit:
                busy.add(task.teammate)
                tasks[task.id].status, tasks[task.id].start_commit = TaskStatus.RUNNING, None
                chosen.append(task)
        return chosen

    def _settle(self, task: TaskPlan, outcome: Outcome) -> None:
        s = self.session
        record = s.state.tasks[task.id]
        if outcome.status == AttemptStatus.INTERRUPTED:
            record.status, record.reason = TaskStatus.PENDING, "interrupted"
            s.save()
            s.emit("task_interrupted", task=task.id, teammate=task.teammate)
            return
        record.attempts += 1
        done = outcome.status == AttemptStatus.DONE
        record.files_changed = list(outcome.files) if done else []  # what was committed: a failed attempt's is a patch
        ending = f"done, commit {outcome.commit}" if done else f"failed: {outcome.reason}"
        s.store.append(f"logs/{task.id}.log", f"== attempt {record.attempts}: {ending}\n")
        converged = self.convergence.failed(outcome.signature, task.teammate, task.id) if outcome.signature else []
        if done:
            record.status, record.reason, record.commit = TaskStatus.DONE, "", outcome.commit
            s.save()
            s.emit("task_done", task=task.id, teammate=task.teammate, attempt=record.attempts, commit=outcome.commit,
                   cost_usd=record.cost_usd, files=record.files_changed)  # fmt: skip
        elif converged:
            self._converge(task.id, converged, f"{CONVERGED}{outcome.signature}")
        elif self._may_retry(task, outcome):
            self.previous[task.id] = outcome.reason
            record.status, record.reason = TaskStatus.PENDING, f"retrying: {outcome.reason}"
            s.save()
            s.emit("task_retry", task=task.id, teammate=task.teammate, attempt=record.attempts, reason=outcome.reason)
        else:
            record.status, record.reason = TaskStatus.FAILED, outcome.reason
            s.save()
            s.emit("task_failed", task=task.id, teammate=task.teammate, attempt=record.attempts, reason=outcome.reason)
            self._skip(descendants(self.plan, task.id), f"after {task.id} failed")
            if outcome.setup:  # the worktree cannot be set up: none of the teammate's tasks can run there
                self._fail([t.id for t in self.plan.teammate(task.teammate).tasks if t.id != task.id], outcome.reason)

    def _converge(self, current: str, task_ids: list[str], reason: str) -> None:
        """Teammates failing on one blocker: none is retried (N agents on one bug make N conflicting patches). A
        task whose next attempt is already running is left to end; if it fails the same way, it converges then."""
        self.session.state.tasks[current].status = TaskStatus.FAILED
        self._fail(task_ids, reason)

    def _fail(self, task_ids: list[str], reason: str) -> None:
        """The tasks that are pending or failed already fail with `reason`; what comes after them is skipped."""
        s = self.session
        for task_id in task_ids:
            record = s.state.tasks[task_id]
            if record.status in (TaskStatus.PENDING, TaskStatus.FAILED):
                record.status, record.reason = TaskStatus.FAILED, reason
                s.emit("task_failed", task=task_id, teammate=record.teammate, attempt=record.attempts, reason=reason)
                self._skip(descendants(self.plan, task_id), f"after {task_id} failed")
        s.save()

    def _may_retry(self, task: TaskPlan, outcome: Outcome) -> bool:
        s = self.session
        return (outcome.retry and self.tried.get(task.id, 0) <= s.state.retries and not s.is_interrupted()
                and not self._budget_reached())  # fmt: skip

    def _budget_reached(self) -> bool:
        s = self.session
        state = s.state
        if state.budget_stop is not None:
            return True
        why = None
        if state.max_usd is not None and state.cost_usd >= state.max_usd:
            why = f"spent {format_usd(state.cost_usd)} of the {format_usd(state.max_usd)} cap"
        elif state.max_tokens is not None and state.tokens >= state.max_tokens:
            why = f"spent {format_tokens(state.tokens)} of the {format_tokens(state.max_tokens)} token cap"
        if why is None:
            return False
        state.budget_stop = why
        s.save()
        s.emit("budget_reached", reason=why, cost_usd=round(state.cost_usd, 6), tokens=state.tokens)
        return True

    def _skip(self, task_ids: Iterable[str], reason: str) -> None:
        s = self.session
        for task_id in task_ids:
            record = s.state.tasks[task_id]
            if record.status == TaskStatus.PENDING:
                record.status, record.reason = TaskStatus.SKIPPED, reason
                s.emit("task_skipped", task=task_id, teammate=record.teammate, reason=reason)
        s.save()

    def _skip_the_rest(self) -> None:
        """After the loop: pending tasks are skipped for the budget (an interrupted run keeps them pending)."""
        if self.session.is_interrupted():
            return
        left = [t.id for t in self.plan.tasks if self.session.state.tasks[t.id].status == TaskStatus.PENDING]
        if left:
            self._skip(left, "budget")
