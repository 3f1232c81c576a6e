"""Resuming a run after Ctrl-C or a crash: the state's records are the truth, checked against the branches.

1. Processes a killed rallyc left running in the run's worktrees are killed
   (a backend still writing into a worktree while it is reset would be
   work done twice), and git lock files they left are removed.
2. A task is done only when its commit is the one the runner recorded for it
   (`commits.log`, written before the branch moved, or `TaskState.commit`) and that commit
   passes the ownership check again: it is on the branch the runner recorded
   (`RunState.heads`), or the branch holds it because rallyc died between
   moving the branch and saving that, or the branch was never moved to it
   because rallyc died just before (it is moved now). Whatever else a
   branch holds (a commit that claims a task with a `Rally-Task` trailer
   the runner never made, a branch moved by an agent) is reported and left
   out: the branch goes back to its recorded head. Every other task goes
   back to pending (failed and skipped tasks too: a resumed run retries
   them; done tasks are kept).
3. Each teammate's worktree is put back on its branch, clean, at that head.
"""

from __future__ import annotations

from pathlib import Path

from rallyc.runner.enforce import ownership_breaches
from rallyc.runner.names import shown
from rallyc.runner.process import kill_processes_below
from rallyc.runner.session import Session
from rallyc.runner.state import FanIn, TaskState
from rallyc.statuses import TaskStatus


def recover(session: Session) -> list[str]:
    """Bring state and worktrees in line with what the runner recorded; notes on what was found, for the user."""
    s = session
    notes = []
    killed = kill_processes_below(s.folder.worktrees)
    if killed:
        notes.append(f"stopped {killed} process(es) left running in the run's worktrees")
    _clear_locks(s)
    for mate in s.plan.teammates:
        notes += _reconcile_teammate(s, mate.name)
    s.state.fanin = FanIn()
    s.state.budget_stop = None
    s.save()
    return notes


def _reconcile_teammate(s: Session, mate: str) -> list[str]:
    notes: list[str] = []
    branch, worktree = s.branch(mate), s.worktree(mate)
    actual = s.git.branch_head(s.top, s.common_dir, branch)
    head = s.state.heads.get(mate) or actual or s.state.base_commit  # a state of rallyc 1 recorded no heads
    logged = s.folder.recorded_commits()
    for task in s.plan.teammate(mate).tasks:
        record = s.state.tasks[task.id]
        commit = record.commit or logged.get(task.id)
        confirmed = False
        if commit is not None:
            if commit == actual and s.git.first_parent(s.top, commit) == head:  # died before saving the move
                head = commit
            elif commit != head and s.git.first_parent(s.top, commit) == head and actual == head:
                s.git.move_branch(s.top, branch, commit, head)  # died before moving the branch: move it now
                head = actual = commit
            confirmed = s.git.is_ancestor(s.top, commit, head) and _owned(s, mate, task.id, commit, notes)
        if confirmed:
            if record.status != TaskStatus.DONE:
                notes.append(f"{task.id}: its recorded commit {commit} is on {branch}; counted as done")
            _done(s, record, commit)
            continue
        if record.status == TaskStatus.DONE:
            notes.append(f"{task.id}: recorded as done but its commit is not on {branch}; it runs again")
        record.status, record.reason, record.commit, record.start_commit = TaskStatus.PENDING, "", None, None
    notes += _unrecorded(s, mate, head)
    if actual != head:
        notes.append(f"{branch} was at {(actual or 'nothing')[:12]}, not where the runner left it ({head[:12]}): "
                     "put back")  # fmt: skip
    s.set_head(mate, head)
    s.git.add_worktree(s.top, worktree, branch, head)
    s.git.abandon_operations(worktree)
    s.git.reset_to(worktree, branch, head)
    return notes


def _done(s: Session, record: TaskState, commit: str | None) -> None:
    assert commit is not None
    record.status, record.reason, record.commit = TaskStatus.DONE, "", commit
    parent = s.git.first_parent(s.top, commit) or commit
    record.files_changed = [shown(s.relative(path)) for _, path in s.git.changes_between(s.top, parent, commit)]
    record.attempts = max(record.attempts, 1)


def _owned(s: Session, mate: str, task: str, commit: str, notes: list[str]) -> bool:
    """Whether the recorded commit changes only what `mate` owns (the state file is not to be trusted blindly)."""
    parent = s.git.first_parent(s.top, commit) or s.state.base_commit
    changes = s.git.changes_between(s.top, parent, commit)
    breaches = ownership_breaches(changes, s.owns[mate], s.state.prefix, None)
    if breaches:
        notes.append(f"{task}: its recorded commit {commit[:12]} changes what {mate} does not own "
                     f"({', '.join(str(breach) for breach in breaches[:3])}); it runs again")  # fmt: skip
    return not breaches


def _unrecorded(s: Session, mate: str, head: str) -> list[str]:
    """Commits on the branch past its recorded head that claim a task: not the runner's, left out."""
    branch = s.branch(mate)
    if s.git.branch_head(s.top, s.common_dir, branch) in (None, head):
        return []
    claims = s.git.task_commits(s.top, head, branch, s.run_id)
    return [f"{branch}: commit {commit[:12]} claims task {task} but the runner did not record it; left out"
            for task, commit in claims]


def _clear_locks(s: Session) -> None:
    """Lock files of git processes that died with rallyc (nobody else works in a run's worktrees)."""
    common = s.common_dir
    ours = s.folder.worktrees.resolve()
    for private in (common / "worktrees").glob("*"):
        try:
            checkout = Path((private / "gitdir").read_text(encoding="utf-8").strip()).parent.resolve()
        except OSError:
            continue
        if checkout.parent == ours:
            for lock in private.glob("*.lock"):
                lock.unlink(missing_ok=True)
    refs = common / "refs" / "heads" / "rally" / s.run_id
    if refs.is_dir():
        for lock in refs.glob("*.lock"):
            lock.unlink(missing_ok=True)
