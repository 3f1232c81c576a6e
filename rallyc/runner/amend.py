"""Resume with an amended spec: what changed since the run started, and what that sends back to work.

The natural fixes after a failed run (a wider `owns` after a violation, a corrected `verify`, a task
split in two) change the spec; `--resume` takes it. A done task stays done while its definition is
unchanged: its teammate, `do`, `writes`, `reads`, `after`, `verify`, and its teammate's `model` and
`mode`. A changed `owns` does not rerun the teammate's done tasks: their commits are checked against
the new `owns`, and only one that now breaks it is redone. Changed and new tasks run, and so do the
tasks after them in the new task graph (`--retry TASK` sends a done task back the same way); removed
tasks are dropped. A teammate branch whose tasks are redone goes back to the commit of its last task
that stays done. What cannot change under a run: the team's name and `team.base` (the worktrees start
there).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rallyc.errors import RallyError
from rallyc.globset import owner_globs
from rallyc.plan import INTEGRATION, Plan, TaskPlan, TeammatePlan
from rallyc.runner.enforce import ownership_breaches
from rallyc.runner.scheduler import descendants
from rallyc.runner.session import Session
from rallyc.runner.state import TaskState
from rallyc.statuses import TaskStatus

TASK_FIELDS = ("teammate", "do", "writes", "reads", "after", "verify")
TEAMMATE_FIELDS = ("model", "mode")


@dataclass(frozen=True, slots=True)
class Amendment:
    changed: dict[str, list[str]]
    """Task -> the parts of its definition that changed."""
    new: list[str]
    removed: list[str]
    owns: list[str]
    """Teammates whose `owns` changed."""
    retried: list[str]

    def lines(self) -> list[str]:
        """The short diff the runner prints."""
        said = [f"task `{task}` changed ({', '.join(parts)})" for task, parts in self.changed.items()]
        said += [f"new task `{task}`" for task in self.new] + [f"task `{task}` removed" for task in self.removed]
        said += [f"`owns` of {mate} changed: its done tasks are checked against it" for mate in self.owns]
        said += [f"`{task}` runs again (--retry)" for task in self.retried]
        return [f"the spec changed since the run started: {'; '.join(said)}"] if said else []


def amendment(before: dict[str, Any], plan: Plan, retry: tuple[str, ...]) -> Amendment:
    """What differs between the plan a run started with (its plan.json) and `plan`; RallyError for what cannot."""
    for key in ("name", "base"):
        if before.get("team", {}).get(key) != getattr(plan.team, key):
            raise RallyError(f"team.{key} changed since the run started; a run cannot move to another {key}",
                             hint="put it back to resume, or start a new run")  # fmt: skip
    unknown = [task for task in retry if task not in {t.id for t in plan.tasks}]
    if unknown:
        raise RallyError(f"--retry names no task of the spec: {', '.join(unknown)}")
    old_tasks = {task["id"]: task for task in before.get("tasks", [])}
    old_mates = {mate["name"]: mate for mate in before.get("teammates", [])}
    changed = {task.id: parts for task in plan.tasks if task.id in old_tasks
               if (parts := _changed(old_tasks[task.id], old_mates, task, plan.teammate(task.teammate)))}  # fmt: skip
    return Amendment(changed, [task.id for task in plan.tasks if task.id not in old_tasks],
                     [task for task in old_tasks if task not in {t.id for t in plan.tasks}],
                     [mate.name for mate in plan.teammates if mate.name in old_mates
                      and old_mates[mate.name].get("owns") != list(mate.owns)], list(retry))  # fmt: skip


def _changed(old: dict[str, Any], old_mates: dict[str, Any], task: TaskPlan, mate: TeammatePlan) -> list[str]:
    old_mate = old_mates.get(old.get("teammate", ""), {})
    parts = [part for part in TASK_FIELDS if _value(old, old_mate, part) != _value(task, mate, part)]
    return parts + [f"its teammate's {part}" for part in TEAMMATE_FIELDS if old_mate.get(part) != getattr(mate, part)]


def _value(task: dict[str, Any] | TaskPlan, mate: dict[str, Any] | TeammatePlan, part: str) -> Any:
    """A part of a task's definition, as plan.json has it; `writes` left to `owns` (not declared) is not the
    task's own: a changed `owns` is checked against the done commits instead."""
    value = task.get(part) if isinstance(task, dict) else getattr(task, part)
    owns = mate.get("owns") if isinstance(mate, dict) else list(mate.owns)
    if part == "writes" and _listed(value) == _listed(owns):
        return "the teammate's owns"
    return _listed(value)


def _listed(value: Any) -> Any:
    return list(value) if isinstance(value, (list, tuple)) else value


def amend(s: Session, change: Amendment) -> list[str]:
    """Bring the run's state to the amended plan; notes for the user (the diff and what it sends back)."""
    state = s.state
    notes = change.lines()
    broken = _broken_by_owns(s, change.owns, notes)
    redo = {*change.changed, *change.new, *change.retried, *broken}
    for task_id in list(redo):
        redo.update(descendants(s.plan, task_id))
    for mate in s.plan.teammates:
        state.heads[mate.name] = _kept_head(s, mate.name, redo)
    for name in [name for name in state.heads if name not in {INTEGRATION, *(m.name for m in s.plan.teammates)}]:
        del state.heads[name]  # a teammate the spec no longer has
    tasks = {}
    for task in s.plan.tasks:
        record = state.tasks.get(task.id) or TaskState(task.id, task.teammate)
        record.teammate = task.teammate
        if task.id in redo and record.status != TaskStatus.PENDING:
            record.status, record.reason, record.commit, record.start_commit = TaskStatus.PENDING, "", None, None
        tasks[task.id] = record
    state.tasks = tasks
    return notes + [f"runs again: {', '.join(t.id for t in s.plan.tasks if t.id in redo)}"] if redo else notes


def _broken_by_owns(s: Session, teammates: list[str], notes: list[str]) -> list[str]:
    """The done tasks of teammates whose `owns` changed whose commits do not fit the new `owns`."""
    broken = []
    for name in teammates:
        owns = owner_globs(s.plan.teammate(name).owns)
        for task in s.plan.teammate(name).tasks:
            record = s.state.tasks.get(task.id)
            if record is None or record.status != TaskStatus.DONE or record.commit is None:
                continue
            parent = s.git.first_parent(s.top, record.commit) or s.state.base_commit
            found = ownership_breaches(s.git.changes_between(s.top, parent, record.commit), owns, s.state.prefix, None)
            if found:
                broken.append(task.id)
                notes.append(f"{task.id}: its commit changes what the new `owns` leaves out "
                             f"({', '.join(str(breach) for breach in found[:3])}); it runs again")  # fmt: skip
    return broken


def _kept_head(s: Session, name: str, redo: set[str]) -> str:
    """Where `name`'s branch goes: the commit of its last done task before the first done one sent back (base when
    none is before it); where it is when none is sent back."""
    kept = s.state.base_commit
    for task in s.plan.teammate(name).tasks:
        record = s.state.tasks.get(task.id)
        if record is None or record.status != TaskStatus.DONE or record.commit is None:
            continue
        if task.id in redo:
            return kept
        kept = record.commit
    return s.state.heads.get(name) or s.state.base_commit
