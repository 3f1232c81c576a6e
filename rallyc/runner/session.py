"""One session of a run: the plan, the state, and what the runner's parts share while it runs."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

from rallyc.globs import GlobSet
from rallyc.globset import owner_globs
from rallyc.plan import Plan, branch_name
from rallyc.runner.backends import Backend
from rallyc.runner.environment import with_worktree_tools, worktree_env
from rallyc.runner.libgit import LibGit
from rallyc.runner.sandbox import Policy, Sandbox, remove_temp, temp_folder, with_temp
from rallyc.runner.secrets import Redactor
from rallyc.runner.state import RunFolder, RunState, Store
from rallyc.runner.worktree import Git

@dataclass(frozen=True, slots=True)
class Confinement:
    """Where one attempt's processes run: its environment (a private TMPDIR) and its sandbox."""

    env: dict[str, str]
    sandbox: Sandbox | None


@dataclass
class Session:
    plan: Plan
    state: RunState
    folder: RunFolder
    store: Store
    git: Git
    backend: Backend
    env: Mapping[str, str]
    """The environment backends and checks get (the runner's own, secrets included: logs are redacted)."""
    redactor: Redactor
    prompts: Mapping[str, str]
    """Teammate name -> the compiled teammate prompt."""
    common_dir: Path
    staging: Git | LibGit
    """Stages, lists and commits a task's changes: libgit2 in process where it does what git does, else git."""
    sandbox: Policy
    listeners: list[Callable[[dict[str, Any]], None]] = field(default_factory=list)
    interrupted: asyncio.Event | None = None
    kept: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """Teammate (or `integration`) -> what its worktree's set-up made (`run.setup`): part of its starting point,
    never a task's change, kept when the worktree is reset."""
    set_up: set[str] = field(default_factory=set)
    """Worktrees set up in this session (a resumed run sets them up again: resets may have removed the outputs)."""
    refs_lock: threading.Lock = field(default_factory=threading.Lock)
    """Held while the runner moves one of its branches and records it, and while a check compares the run's refs
    with those records: a check never sees a branch the runner is moving."""
    _save_pending: bool = False

    @property
    def run_id(self) -> str:
        return self.state.run_id

    @property
    def top(self) -> Path:
        return Path(self.state.top)

    def branch(self, teammate: str) -> str:
        return branch_name(self.run_id, teammate)

    def worktree(self, teammate: str) -> Path:
        """The top of the teammate's worktree (git commands run here)."""
        return self.folder.worktree(teammate)

    def set_head(self, teammate: str, commit: str) -> None:
        """Record that the runner set `teammate`'s branch to `commit` (with `refs_lock` held)."""
        self.state.heads[teammate] = commit

    def expected_head(self, teammate: str) -> str:
        """The commit the runner last set `teammate`'s branch to."""
        return self.state.heads.get(teammate) or self.state.base_commit

    def reset(self, teammate: str, commit: str) -> None:
        """The teammate's worktree and branch at `commit`, clean but for what its set-up made (with `refs_lock`)."""
        self.git.reset_to(self.worktree(teammate), self.branch(teammate), commit, self.kept.get(teammate, ()))
        self.set_head(teammate, commit)

    def ensure_worktree(self, teammate: str) -> None:
        """The teammate's worktree, made again on its branch if something removed it."""
        if not (self.worktree(teammate) / ".git").exists():
            self.git.add_worktree(self.top, self.worktree(teammate), self.branch(teammate), self.expected_head(teammate))

    def head(self, teammate: str) -> str:
        """The commit the teammate's branch (or `integration`) points at: from its ref file when it can be."""
        found = self.git.branch_head(self.top, self.common_dir, self.branch(teammate))
        return found if found is not None else self.git.head(self.worktree(teammate))

    @contextlib.contextmanager
    def confinement(self, teammate: str, label: str, env: Mapping[str, str] | None = None) -> Iterator[Confinement]:
        """A private temporary folder for the processes of one attempt (`label`) in `teammate`'s worktree, the
        environment with what pointed into the user's checkout pointed into the worktree (`environment.py`), and
        the sandbox that holds them there; the folder is removed afterwards."""
        temp = temp_folder(self.run_id, label)
        worktree = self.worktree(teammate)
        try:
            moved = worktree_env(self.env if env is None else env, self.top, worktree)
            tools = with_worktree_tools(moved, self.workdir(teammate))
            yield Confinement(with_temp(tools, temp), self.sandbox.for_task(worktree, temp))
        finally:
            remove_temp(temp)

    def workdir(self, teammate: str) -> Path:
        """team.repo inside the teammate's worktree: where backends and checks run."""
        return self.worktree(teammate) / self.state.prefix if self.state.prefix else self.worktree(teammate)

    @cached_property
    def owns(self) -> dict[str, GlobSet]:
        return {mate.name: owner_globs(mate.owns) for mate in self.plan.teammates}

    def save(self) -> None:
        """Write state.json after a change. Inside the event loop, the changes of one loop turn share one
        write (eight teammates finishing together would otherwise write it sixteen times in a row); the
        branches, not the state file, say which tasks are done, so a crash between the two loses nothing."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            self.flush(force=True)
            return
        if not self._save_pending:
            self._save_pending = True
            loop.call_soon(self.flush)

    def flush(self, force: bool = False) -> None:
        if self._save_pending or force:
            self._save_pending = False
            self.store.save(self.state)

    def emit(self, kind: str, **data: Any) -> None:
        record = self.store.event(kind, **data)
        for listener in self.listeners:
            listener(record)

    def is_interrupted(self) -> bool:
        return self.interrupted is not None and self.interrupted.is_set()

    def relative(self, path: str) -> str:
        """A path from the top of the work tree, relative to team.repo."""
        prefix = self.state.prefix
        return path[len(prefix):] if prefix and path.startswith(prefix) else path

    def price(self, teammate: str, input_tokens: int, output_tokens: int) -> float:
        """USD for tokens a backend reported without a cost, at the teammate's model's price."""
        per_input, per_output = self.unit_price(teammate) or (0.0, 0.0)
        return (input_tokens * per_input + output_tokens * per_output) / 1_000_000

    def unit_price(self, teammate: str) -> tuple[float, float] | None:
        """USD per million input and output tokens of the teammate's model, as the plan priced it."""
        model = self.plan.teammate(teammate).priced_as
        return next(((i, o) for name, i, o in self.plan.budget.prices if name == model), None)
