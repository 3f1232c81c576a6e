"""`rallyc status [RUN_ID]` and `rallyc clean [RUN_ID | --all]`: reading and tidying the run folders."""

from __future__ import annotations

import fcntl
import shutil
from pathlib import Path

from rallyc.errors import RallyError
from rallyc.plan import branch_name
from rallyc.runner.state import RUN_ID, RunFolder, RunState, runs_in
from rallyc.runner.worktree import Git
from rallyc.runner.report import seconds
from rallyc.statuses import ENDED, RunStatus, TaskStatus
from rallyc.units import format_tokens, format_usd

SHOWN = (*ENDED, TaskStatus.RUNNING, TaskStatus.PENDING)
"""The order `rallyc status` counts tasks in: the ended first."""


def repo_top(folder: Path) -> tuple[Git, Path]:
    git = Git.for_repo(folder) if folder.is_dir() else None
    top = git.toplevel(folder) if git else None
    if git is None or top is None:
        raise RallyError(f"{folder} is not in a git repository", hint="run it in the repository the runs were made in")
    return git, top


def chosen_run(top: Path, run_id: str | None) -> RunFolder:
    runs = runs_in(top)
    if run_id is None:
        if not runs:
            raise RallyError(f"no runs in {top / '.rally' / 'runs'}", hint="rallyc run SPEC starts one")
        return RunFolder(top, runs[-1])
    if not RUN_ID.fullmatch(run_id) or run_id not in runs:
        close = [known for known in runs if known.startswith(run_id)]
        if len(close) == 1:
            return RunFolder(top, close[0])
        raise RallyError(f"no run `{run_id}` in {top / '.rally' / 'runs'}",
                         hint=f"the runs: {', '.join(runs[-5:])}" if runs else "there are no runs")  # fmt: skip
    return RunFolder(top, run_id)


def in_use(folder: RunFolder) -> bool:
    """Whether a rallyc process holds the run's lock now."""
    path = folder.path / "lock"
    if not path.exists():
        return False
    with open(path) as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
    return False


def status_text(folder: RunFolder) -> str:
    state = folder.load()
    live = in_use(folder)
    lines = [f"run {state.run_id}: {_status_word(state, live)}; started {state.started_at}, backend {state.backend}, "
             f"session {state.sessions}"]  # fmt: skip
    id_width = max([len("task")] + [len(task) for task in state.tasks])
    mate_width = max([len("teammate")] + [len(t.teammate) for t in state.tasks.values()])
    lines.append(f"  {'task':<{id_width}}  {'teammate':<{mate_width}}  {'state':<8}  {'tries':>5}  {'time':>6}  "
                 f"{'cost':>8}  reason")  # fmt: skip
    for task in state.tasks.values():
        lines.append(f"  {task.id:<{id_width}}  {task.teammate:<{mate_width}}  {task.status:<8}  {task.attempts:>5}  "
                     f"{seconds(task.duration_s):>6}  {format_usd(task.cost_usd):>8}  {task.reason}".rstrip())  # fmt: skip
    counts = ", ".join(f"{state.count(status)} {status}" for status in SHOWN if state.count(status))
    cap = f" of the {format_usd(state.max_usd)} cap" if state.max_usd is not None else ""
    lines.append(f"{counts} of {len(state.tasks)}; cost so far {format_usd(state.cost_usd)}{cap}, "
                 f"{format_tokens(state.tokens)} tokens; ownership violations {len(state.violations)}")  # fmt: skip
    report = folder.path / "report.md"
    if report.is_file():
        lines.append(f"report: {report}")
    if not live and state.status != RunStatus.FINISHED:
        lines.append(f"resume: rallyc run {state.spec} --resume {state.run_id}")
    return "\n".join(lines) + "\n"


def _status_word(state: RunState, live: bool) -> str:
    if live:
        return "running now"
    if state.status == RunStatus.RUNNING:
        return "stopped (rallyc ended without finishing: resumable)"
    return state.status


def clean(git: Git, folder: RunFolder) -> list[str]:
    """Remove a run's worktrees and branches (its folder with the reports stays); what was done, line by line."""
    if in_use(folder):
        raise RallyError(f"run {folder.run_id} is running now; stop it first (Ctrl-C)")
    done = []
    if folder.worktrees.is_dir():
        worktrees = sorted(folder.worktrees.iterdir())
        git.remove_worktrees(folder.top, worktrees)
        done += [f"removed worktree {worktree.relative_to(folder.top)}" for worktree in worktrees]
        shutil.rmtree(folder.worktrees, ignore_errors=True)
    for branch in git.branches(folder.top, branch_name(folder.run_id, "")):
        commit = git.commit_of(folder.top, f"refs/heads/{branch}") or "?"
        git.delete_branch(folder.top, branch)
        done.append(f"deleted branch {branch} (was {commit[:12]})")
    return done
