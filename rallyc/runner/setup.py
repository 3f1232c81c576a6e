"""`run.setup`: each worktree's own environment, made before its first task (and in the integration worktree
before the team's checks).

The commands run in the worktree's folder for `team.repo`, in the sandbox like a task's commands (an agent
could have changed what they run), with the attempt-style environment (`Session.confinement`); their
output goes to `logs/setup-<worktree>.log`. What they make (a `.venv`, `node_modules`) is part of the
worktree's starting point: the paths they leave untracked are kept (`Session.kept`), never a task's
change, and survive the resets between tasks. A set-up that changes tracked files (a lock file
rewritten) fails: the starting point must be the commit. A set-up runs once per worktree and session;
a resumed run sets up again (package managers' caches make that quick, and the sandbox lets them write
their caches). After it, each check's program is looked up in the worktree's environment, so that a
check that cannot run never costs an agent turn.
"""

from __future__ import annotations

from collections.abc import Sequence

from rallyc.runner.environment import missing_programs, with_worktree_tools
from rallyc.runner.process import run_shell
from rallyc.runner.session import Session
from rallyc.runner.state import line_ended

SETUP_TIMEOUT_SECONDS = 1800.0


async def set_up(s: Session, name: str, checks: Sequence[str]) -> str | None:
    """Set up `name`'s worktree; what went wrong, in words, or None. `checks`: the commands to look up after."""
    log = f"logs/setup-{name}.log"
    with s.confinement(name, f"setup-{name}") as room:
        for command in s.plan.run.setup:
            done = await run_shell(command, cwd=s.workdir(name), env=room.env, timeout=SETUP_TIMEOUT_SECONDS,
                                   redactor=s.redactor, sandbox=room.sandbox)  # fmt: skip
            code = -1 if done.timed_out else done.exit_code
            s.store.append(log, f"$ {command}\n{line_ended(done.stdout)}== exit {code} ({done.seconds:.2f}s)\n")
            if code != 0:
                return f"`{command}` {'timed out' if done.timed_out else f'exited {code}'} (see {log})"
        changed, made = _changes(s, name)
        if changed:
            return (f"it changed tracked files ({', '.join(changed[:5])}): a set-up must leave the commit as it is "
                    "(use a locked install: `uv sync --locked`, `npm ci`)")  # fmt: skip
        s.kept[name] = made
        missing = missing_programs(checks, with_worktree_tools(room.env, s.workdir(name)), s.workdir(name))
    s.emit("setup", worktree=name, kept=list(made))
    if missing:
        command, program = missing[0]
        return f"`{command}` needs `{program}`, which is not in the worktree's environment after its set-up"
    return None


def _changes(s: Session, name: str) -> tuple[list[str], tuple[str, ...]]:
    """(tracked files the set-up changed, the untracked paths it made: folders as one path)."""
    text = s.git.run(s.worktree(name), "status", "--porcelain=v1", "-z", "--untracked-files=normal",
                     "--no-renames").stdout.decode("utf-8", "surrogateescape")  # fmt: skip
    entries = [entry for entry in text.split("\0") if len(entry) > 3]
    changed = [entry[3:] for entry in entries if not entry.startswith("??")]
    made = tuple(entry[3:].rstrip("/") for entry in entries if entry.startswith("??"))
    return changed, made
