"""Fan-in: the teammates' branches merged one at a time into the integration branch, then the team's checks.

The integration worktree starts at `team.base` (a resumed fan-in starts over:
it is deterministic). In merge order, each teammate's task commits are
rebased onto the integration head (replayed, its own commits only: the
commits of other teammates it merged to start a task arrive with their own
teammate) and merged as with `--no-ff`, so the history shows one merge per
teammate over that teammate's task commits. A conflict leaves that teammate
out and is reported.

Nothing unchecked lands: whatever the commits hold and however they got
there, the whole of what a teammate brings (the replayed chain against the
integration head before it) is checked against its `owns` again; paths
outside are left out of the merge (put back as they were) and reported as
violations of the task whose commit changed them, with their changes kept
in `violations/fan-in.<teammate>.patch`. Then the team's `verify` commands
run on the result, in the sandbox: the reconciliation checks.
"""

from __future__ import annotations

import asyncio

from rallyc.plan import INTEGRATION
from rallyc.runner.enforce import Breach, ownership_breaches
from rallyc.runner.names import shown
from rallyc.runner.process import run_shell
from rallyc.runner.session import Session
from rallyc.runner.setup import set_up
from rallyc.runner.state import Check, Conflict, FanIn, Violation, line_ended
from rallyc.statuses import TaskStatus


async def fan_in(session: Session) -> None:
    s = session
    s.state.fanin = FanIn()
    s.state.checks = [check for check in s.state.checks if check.scope != "team"]
    s.state.conflicts = [conflict for conflict in s.state.conflicts if conflict.stage != "fan-in"]
    s.state.violations = [violation for violation in s.state.violations if violation.stage != "fan-in"]
    s.save()
    s.emit("fanin_started", branch=s.branch(INTEGRATION), merge_order=list(s.plan.merge_order))
    s.set_head(INTEGRATION, s.state.base_commit)  # here, not in the thread: the state's keys change only in the loop
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
    with s.refs_lock:
        s.git.reset_to(worktree, s.branch(INTEGRATION), s.state.base_commit)


def _merge_teammate(s: Session, mate: str) -> int | Conflict:
    """How many task commits of `mate` were merged (0: nothing to merge), or the conflict.

    The task commits are cherry-picked in order onto the integration branch, then the branch is set to a
    merge commit of its previous head and the replayed chain: exactly what `git merge --no-ff` of the
    rebased chain makes (the chain descends from the head, so the merge's tree is the chain's), with two
    git processes fewer.
    """
    commits = [s.state.tasks[task.id].commit for task in s.plan.teammate(mate).tasks
               if s.state.tasks[task.id].status == TaskStatus.DONE]  # fmt: skip
    if not commits:
        return 0
    worktree, branch = s.worktree(INTEGRATION), s.branch(INTEGRATION)
    head = s.head(INTEGRATION)
    with s.refs_lock:
        conflict = s.git.replay(worktree, [commit for commit in commits if commit])
        if conflict is not None:
            s.git.reset_to(worktree, branch, head)
            return Conflict("fan-in", mate, conflict)
        replayed = s.head(INTEGRATION)
        tree = _owned_tree(s, mate, head, replayed)
        message = f"rally: merge {mate} ({len(commits)} task{'s' if len(commits) != 1 else ''})\n\nRally-Run: {s.run_id}\n"
        merge = s.git.commit_tree(worktree, tree, [head, replayed], message)
        s.git.move_branch(worktree, branch, merge, replayed)
        s.set_head(INTEGRATION, merge)
        if tree != f"{replayed}^{{tree}}":
            s.git.reset_to(worktree, branch, merge)
    return len(commits)


def _owned_tree(s: Session, mate: str, head: str, replayed: str) -> str:
    """The tree to merge: what the replayed chain made, with every path outside `mate`'s `owns` put back as the
    integration head had it (and reported)."""
    worktree = s.worktree(INTEGRATION)
    changes = s.git.changes_between(worktree, head, replayed)
    breaches = ownership_breaches(changes, s.owns[mate], s.state.prefix, worktree)
    if not breaches:
        return f"{replayed}^{{tree}}"
    paths = [s.state.prefix + breach.path for breach in breaches]
    patch = f"violations/fan-in.{mate}.patch"
    s.store.write_bytes(patch, s.git.run(worktree, "diff", "--binary", "--no-renames", head, replayed, "--",
                                         *(f":(literal){path}" for path in paths)).stdout)  # fmt: skip
    for task, found in _blame(s, mate, head, replayed, breaches).items():
        shown_paths = [shown(breach.path) for breach in found]
        s.state.violations.append(Violation(task, s.state.tasks[task].attempts or 1, shown_paths,
                                            [f"{breach} (found at fan-in; left out of the merge)" for breach in found],
                                            patch, "fan-in"))  # fmt: skip
        s.emit("violation", task=task, attempt=s.state.tasks[task].attempts, paths=shown_paths, patch=patch)
    return s.git.tree_without(worktree, replayed, head, paths)


def _blame(s: Session, mate: str, head: str, replayed: str, breaches: list[Breach]) -> dict[str, list[Breach]]:
    """Each breach under the done task whose replayed commit changed it last (commits replay in task order)."""
    done = [task.id for task in s.plan.teammate(mate).tasks if s.state.tasks[task.id].status == TaskStatus.DONE]
    chain = s.git.out(worktree := s.worktree(INTEGRATION), "rev-list", "--reverse", f"{head}..{replayed}").split()
    owner: dict[str, str] = {}
    for task, commit in zip(done, chain, strict=False):
        for _, path in s.git.changes_between(worktree, f"{commit}^", commit):
            owner[path] = task
    found: dict[str, list[Breach]] = {}
    for breach in breaches:
        found.setdefault(owner.get(s.state.prefix + breach.path, done[-1]), []).append(breach)
    return found


async def _team_checks(s: Session) -> None:
    workdir = s.workdir(INTEGRATION)
    timeout = max((task.timeout_seconds for task in s.plan.tasks), default=1800.0)
    problem = await set_up(s, INTEGRATION, s.plan.verify) if s.plan.verify and s.plan.run.setup else None
    if problem is not None:  # the checks cannot run: the set-up is the team's failed check
        s.state.checks.append(Check("run.setup", "team", 1, 1, 0.0))
        s.store.append("logs/fan-in.log", f"== the integration worktree's set-up failed: {problem}\n")
        s.emit("check", scope="team", command="run.setup", exit_code=1)
        return
    for command in s.plan.verify:
        with s.confinement(INTEGRATION, "fan-in") as room:
            done = await run_shell(command, cwd=workdir, env=room.env, timeout=timeout, redactor=s.redactor,
                                   sandbox=room.sandbox)  # fmt: skip
        code = -1 if done.timed_out else done.exit_code
        s.state.checks.append(Check(command, "team", code, 1, round(done.seconds, 3)))
        s.store.append("logs/fan-in.log", f"$ {command}\n{line_ended(done.stdout)}== exit {code}\n")
        s.emit("check", scope="team", command=command, exit_code=code)
        s.save()
