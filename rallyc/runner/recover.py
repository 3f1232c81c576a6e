"""Resuming a run after Ctrl-C or a crash: the branches are the truth, the state file is brought in line.

1. Processes a killed rallyc left running in the run's worktrees are killed
   (a backend still writing into a worktree while it is reset would be
   work done twice), and git lock files they left are removed.
2. Every teammate branch is searched for this run's commits (`Rally-Run` and
   `Rally-Task` trailers): a task with a commit is done, whatever the state
   says (rallyc may have died between the commit and the state write); a
   task without one is not, and goes back to pending (failed and skipped
   tasks too: a resumed run retries them; done tasks are kept).
3. Each teammate's worktree is put back on its branch, clean, at the start
   of the task that was in flight (or at the branch's head).
"""

from __future__ import annotations

from pathlib import Path

from rallyc.runner.process import kill_processes_below
from rallyc.runner.session import Session
from rallyc.runner.state import DONE, PENDING, RUNNING, FanIn


def recover(session: Session) -> list[str]:
    """Bring state and worktrees in line with the branches; notes on what was found, for the user."""
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
    notes = []
    branch, worktree = s.branch(mate), s.worktree(mate)
    found = dict(s.git.task_commits(s.top, s.state.base_commit, branch, s.run_id))
    head = s.git.branch_head(s.top, s.common_dir, branch) or s.state.base_commit
    target = head
    for task in s.plan.teammate(mate).tasks:
        record = s.state.tasks[task.id]
        commit = found.get(task.id)
        if commit is not None:
            if record.status != DONE:
                notes.append(f"{task.id}: its commit {commit[:12]} is on {branch}; counted as done")
                record.files_changed = [s.relative(path) for path in s.git.changed_files(s.top, commit)]
                record.attempts = max(record.attempts, 1)
            record.status, record.reason, record.commit = DONE, "", commit
            continue
        if record.status == RUNNING and record.start_commit and s.git.is_ancestor(s.top, record.start_commit, head):
            target = record.start_commit
        if record.status == DONE:
            notes.append(f"{task.id}: recorded as done but its commit is not on {branch}; it runs again")
        record.status, record.reason, record.commit, record.start_commit = PENDING, "", None, None
    s.git.add_worktree(s.top, worktree, branch, s.state.base_commit)
    s.git.abandon_operations(worktree)
    s.git.reset_to(worktree, branch, target)
    return notes


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
