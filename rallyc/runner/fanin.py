"""Fan-in: the teammates' branches merged one at a time into the integration branch, then the team's checks.

The integration worktree starts at `team.base` (a resumed fan-in starts over:
it is deterministic). In merge order, each teammate's task commits are
rebased onto the integration head (replayed, its own commits only: the
commits of other teammates it merged to start a task arrive with their own
teammate) and merged as with `--no-ff`, so the history shows one merge per
teammate over that teammate's task commits. A conflict leaves that teammate
out and is reported. Then the team's `verify` commands run on the result:
the reconciliation checks.
"""

from __future__ import annotations

import asyncio

from rallyc.runner.process import run_shell
from rallyc.plan import INTEGRATION
from rallyc.runner.session import Session
from rallyc.runner.state import DONE, Check, Conflict, FanIn, line_ended


async def fan_in(session: Session) -> None:
    s = session
    s.state.fanin = FanIn()
    s.state.checks = [check for check in s.state.checks if check.scope != "team"]
    s.state.conflicts = [conflict for conflict in s.state.conflicts if conflict.stage != "fan-in"]
    s.save()
    s.emit("fanin_started", branch=s.branch(INTEGRATION), merge_order=list(s.plan.merge_order))
    await asyncio.to_thread(_start, s)
    for mate in s.plan.merge_order:
        merged = await asyncio.to_thread(_merge_teammate, s, mate)
        if isinstance(merged, Conflict):
            s.state.conflicts.append(merged)
            s.emit("merge_conflict", teammate=mate, paths=merged.paths)
        elif merged:
            s.state.fanin.merged.append(mate)
            s.emit("teammate_merged", teammate=mate, tasks=merged)
        else:
            s.state.fanin.empty.append(mate)
        s.save()
    s.state.fanin.commit = await asyncio.to_thread(s.git.head, s.worktree(INTEGRATION))
    await _team_checks(s)
    s.save()


def _start(s: Session) -> None:
    worktree = s.worktree(INTEGRATION)
    s.git.add_worktree(s.top, worktree, s.branch(INTEGRATION), s.state.base_commit)
    if s.state.sessions > 1:  # a fan-in cut short by a kill may have left a cherry-pick or merge half-done
        s.git.abandon_operations(worktree)
    s.git.reset_to(worktree, s.branch(INTEGRATION), s.state.base_commit)


def _merge_teammate(s: Session, mate: str) -> int | Conflict:
    """How many task commits of `mate` were merged (0: nothing to merge), or the conflict.

    The task commits are cherry-picked in order onto the integration branch, then the branch is set to a
    merge commit of its previous head and the replayed chain: exactly what `git merge --no-ff` of the
    rebased chain makes (the chain descends from the head, so the merge's tree is the chain's), with two
    git processes fewer.
    """
    commits = [s.state.tasks[task.id].commit for task in s.plan.teammate(mate).tasks
               if s.state.tasks[task.id].status == DONE]  # fmt: skip
    if not commits:
        return 0
    worktree, branch = s.worktree(INTEGRATION), s.branch(INTEGRATION)
    head = s.head(INTEGRATION)
    conflict = s.git.replay(worktree, [commit for commit in commits if commit])
    if conflict is not None:
        s.git.reset_to(worktree, branch, head)
        return Conflict("fan-in", mate, conflict)
    replayed = s.head(INTEGRATION)
    message = f"rally: merge {mate} ({len(commits)} task{'s' if len(commits) != 1 else ''})\n\nRally-Run: {s.run_id}\n"
    merge = s.git.commit_tree(worktree, f"{replayed}^{{tree}}", [head, replayed], message)
    s.git.move_branch(worktree, branch, merge, replayed)
    return len(commits)


async def _team_checks(s: Session) -> None:
    workdir = s.workdir(INTEGRATION)
    timeout = max((task.timeout_seconds for task in s.plan.tasks), default=1800.0)
    for command in s.plan.verify:
        with s.confinement(INTEGRATION, "fan-in") as room:
            done = await run_shell(command, cwd=workdir, env=room.env, timeout=timeout, redactor=s.redactor,
                                   sandbox=room.sandbox)  # fmt: skip
        code = -1 if done.timed_out else done.exit_code
        s.state.checks.append(Check(command, "team", code, 1, round(done.seconds, 3)))
        s.store.append("logs/fan-in.log", f"$ {command}\n{line_ended(done.stdout)}== exit {code}\n")
        s.emit("check", scope="team", command=command, exit_code=code)
        s.save()
