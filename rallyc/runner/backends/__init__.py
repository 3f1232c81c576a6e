"""What executes one task: the Backend protocol, and the backends found by walking this folder.

A backend is one module here (`shell.py`, `claude.py`, `codex.py`,
`anthropic.py`) whose `BACKEND` is its descriptor: an object with the
backend's name, the compile target whose prompts it runs, a one-line
summary, `preflight`, `state_paths` and `run` (the `Backend` protocol). No
registry to edit: a module is found by walking the folder (helper modules
start with `_`), and `make schemas` copies the names into `rallyc.catalog`
for the CLI and the schemas. The runner never branches on the backend's
name: everything it needs is in `TaskRequest` and `TaskResult`.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from rallyc.runner.sandbox import Sandbox


@dataclass(frozen=True, slots=True)
class TaskRequest:
    """One attempt at one task, as the runner hands it to a backend."""

    run_id: str
    task_id: str
    teammate: str
    prompt: str
    prompt_file: Path
    worktree: Path
    model: str
    mode: str
    timeout_seconds: float
    env: Mapping[str, str]
    """The environment the backend's process gets (secrets only where the backend needs them)."""
    owns: tuple[str, ...]
    """The teammate's `owns` globs as written, for backends that can refuse a write at once."""
    shell: str | None = None
    """`run.shell` (the shell backend's command template)."""
    system_prompt: str = ""
    """The compiled teammate prompt, when the runner passes it apart from the task: then `prompt`
    is the task alone and `prompt_file` still holds both. Backends that have a system prompt put
    it there (`claude --append-system-prompt`, the Messages API's `system`); the others send
    `system_prompt` and `prompt` together. Empty: `prompt` holds everything."""
    log_file: Path | None = None
    """The task's log (`logs/<task>.log`), for a backend that streams its output there while it runs
    (secrets masked), so a person can `tail -f` it; it then returns `log_streamed=True`."""
    price: tuple[float, float] | None = None
    """USD per million input and output tokens of `model`, the spec's `budget.prices` applied: for a
    backend that prices the tokens it counts itself (None: the built-in price table)."""
    sandbox: Sandbox | None = None
    """What the task's processes may write (`rallyc.runner.sandbox`); None when there is no sandbox.
    Every process a backend starts goes through `rallyc.runner.process.run` with it."""


@dataclass(frozen=True, slots=True)
class Usage:
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    """What the backend says it spent; None when it reports tokens only (priced by the runner)."""

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True, slots=True)
class TaskResult:
    ok: bool
    summary: str
    usage: Usage = Usage()
    timed_out: bool = False
    log: str = ""
    log_streamed: bool = False
    """True when the output is in `request.log_file` already; else the runner writes `log` there."""
    said: str = ""
    """The agent's final words, whole (the shell command's output, claude's `result`, codex's last agent
    message, the tool loop's last text): where its `RALLY_REPORT` block is (`agent_report.py`)."""


class Backend(Protocol):
    name: str
    """The `run.backend` value (and `rallyc run --backend`) that picks it."""
    runtime: str
    """The compile target whose prompts it runs: a worker per task that reads its answer, so a subagent runtime."""
    summary: str
    """What runs the task, in one sentence: for the schema, the docs and the CLI's help."""

    def preflight(self, env: Mapping[str, str], shell: str | None) -> None:
        """Raise RallyError naming what is missing (a binary on PATH, a key, `run.shell`)."""

    def state_paths(self, env: Mapping[str, str]) -> list[Path]:
        """The folders the backend writes its own state in, outside the worktree: what the sandbox lets
        it write (its configuration, sessions, credentials it refreshes)."""

    async def run(self, request: TaskRequest) -> TaskResult:
        """Run the task in `request.worktree`; past the timeout, kill the whole process group."""


@cache
def backends() -> dict[str, Backend]:
    """Every backend module's descriptor, by name."""
    found: dict[str, Backend] = {}
    for info in pkgutil.iter_modules(__path__):
        if not info.name.startswith("_"):
            backend: Backend = importlib.import_module(f"{__name__}.{info.name}").BACKEND
            found[backend.name] = backend
    return dict(sorted(found.items()))


def backend_named(name: str) -> Backend:
    found = backends()
    if name not in found:
        raise ValueError(f"unknown backend {name!r} (one of {', '.join(found)})")
    return found[name]
