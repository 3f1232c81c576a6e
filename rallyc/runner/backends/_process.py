"""What the agent backends share: the executable looked up on the request's PATH, the CLI run under
the runner's one process supervisor (`rallyc.runner.process.run`: its tree ended at the deadline and
when it exits, in the task's sandbox, its output masked as it is read), and secrets scrubbed from
everything a backend returns (`rallyc.runner.secrets` says what a secret is).

claude's result object is parsed from stdout alone, and codex's event stream line by line as it
arrives (`on_line`), so a `turn.failed` in the middle of megabytes of output still counts. `run_cli`
is the part the CLI backends share; each keeps only its argv and how it reads the output. Private to
the backends (the underscore keeps it out of `backends()`).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from rallyc.errors import RallyError
from rallyc.runner.backends import TaskRequest, TaskResult
from rallyc.runner.process import LOG_CAP, Finished, run
from rallyc.runner.secrets import SECRET_NAME, Redactor


def without_secrets(env: Mapping[str, str]) -> dict[str, str]:
    """The environment minus secret-looking variables: for commands a model chooses, which have no
    business with the backend's own key (and could print it into the transcript)."""
    return {name: value for name, value in env.items() if not SECRET_NAME.search(name)}


def find_executable(name: str, env: Mapping[str, str]) -> str | None:
    """`name` on the PATH the child will get, not rallyc's own (the request's env is what counts)."""
    return shutil.which(name, path=env.get("PATH", os.defpath))


def require_executable(name: str, env: Mapping[str, str], install: str) -> None:
    """Preflight of a CLI backend: its executable must be on the PATH the child will get."""
    if find_executable(name, env) is None:
        raise RallyError(
            f"the {name} backend needs `{name}` on PATH, and it is not there",
            hint=f"install it ({install}) or pick another --backend",
        )


def clip(text: str, limit: int = 300) -> str:
    """One line for a summary: whitespace collapsed, cut at `limit` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def count(value: object) -> int:
    """A token count from a CLI's JSON: a positive int, else 0 (a bool is not a count)."""
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def transcript(argv: Sequence[str], stdin: str, finished: Finished) -> str:
    """A CLI run's log: the command (`stdin` says what went in on stdin), how it ended, its output."""
    return (
        f"$ {' '.join(argv)} < {stdin}\n"
        f"[exit {finished.exit_code if not finished.timed_out else 'killed at timeout'}, {finished.seconds:.1f}s]\n"
        f"--- stdout ---\n{finished.stdout}\n--- stderr ---\n{finished.stderr}\n"
    )


@dataclass(frozen=True, slots=True)
class Ran:
    """A CLI that started and finished (or was killed at its deadline), for its backend to read."""

    argv: list[str]
    finished: Finished
    redactor: Redactor

    def result(self, outcome: TaskResult, stdin: str, shown: Sequence[str] | None = None) -> TaskResult:
        """`outcome` with the transcript as its log (`shown` in place of argv, if given), secrets
        scrubbed from its summary and log."""
        log = transcript(self.argv if shown is None else shown, stdin, self.finished)
        redact = self.redactor.text
        return TaskResult(outcome.ok, redact(outcome.summary), outcome.usage, outcome.timed_out, redact(log),
                          said=redact(outcome.said))  # fmt: skip


async def run_cli(
    name: str,
    request: TaskRequest,
    command: Callable[[str, TaskRequest], list[str]],
    *,
    stdin_text: str,
    cap: int = LOG_CAP,
    on_line: Callable[[str], None] | None = None,
) -> Ran | TaskResult:
    """Run the `name` CLI (argv from `command(executable, request)`) in the request's worktree, env and
    timeout; a failed TaskResult when it is not on PATH or could not start."""
    redactor = Redactor(request.env)
    executable = find_executable(name, request.env)
    if executable is None:
        return TaskResult(False, f"`{name}` is not on PATH")
    argv = command(executable, request)
    try:
        finished = await run(argv, cwd=request.worktree, env=request.env, timeout=request.timeout_seconds,
                             stdin=stdin_text.encode("utf-8"), cap=cap, on_line=on_line, redactor=redactor,
                             sandbox=request.sandbox)  # fmt: skip
    except OSError as error:  # not executable, vanished since preflight, a bad worktree
        return TaskResult(False, redactor.text(f"{name} could not start: {error}"))
    return Ran(argv, finished, redactor)
