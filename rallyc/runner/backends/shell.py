"""The `shell` backend: `run.shell` as a command template, for scripted pipelines, demos and tests.

`{prompt_file}`, `{task}`, `{teammate}` and `{worktree}` are substituted,
each shell-quoted, in one pass (a value that itself contains `{task}` is not
substituted again); any other braces are left for the shell. The command runs
with /bin/sh in the worktree under its own supervisor, and is
ended with everything it started at the timeout (the runner's process
supervisor), inside the task's sandbox when there is one. Success is exit
code 0. Its output streams into the task's log as it comes
(`request.log_file`), secrets masked there and in the output it returns.

Usage is 0 tokens and $0, unless the command reports what it spent with lines
`RALLY_USAGE input_tokens=N output_tokens=N cost_usd=X` (any of the three;
several lines add up): how a script wrapping a paid tool takes part in the
budget.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Mapping
from pathlib import Path

from rallyc.errors import RallyError
from rallyc.runner.backends import TaskRequest, TaskResult, Usage
from rallyc.runner.process import LiveLog, run_shell
from rallyc.runner.secrets import Redactor

PLACEHOLDER = re.compile(r"\{(prompt_file|task|teammate|worktree)\}")
USAGE_LINE = re.compile(r"^RALLY_USAGE((?:[ \t]+\w+=\S+)+)[ \t]*$", re.MULTILINE)
SUMMARY_LENGTH = 120


class ShellBackend:
    name = "shell"
    runtime = "claude-subagents"
    summary = "A command template given in run.shell."

    def preflight(self, env: Mapping[str, str], shell: str | None) -> None:
        if not shell or not shell.strip():
            raise RallyError("the shell backend needs a command template: `run.shell` is not set",
                             hint='e.g. run: {backend: shell, shell: "./agent.sh {task} {prompt_file}"}')  # fmt: skip

    def state_paths(self, env: Mapping[str, str]) -> list[Path]:
        return []

    async def run(self, request: TaskRequest) -> TaskResult:
        assert request.shell, "preflight checks run.shell"
        command = substitute(request.shell, request)
        live = LiveLog(request.log_file) if request.log_file is not None else None
        done = await run_shell(command, cwd=request.worktree, env=request.env, timeout=request.timeout_seconds,
                               live=live, redactor=Redactor(request.env), sandbox=request.sandbox)  # fmt: skip
        ok = done.exit_code == 0 and not done.timed_out
        return TaskResult(ok, _summary(done.stdout, done.exit_code, done.timed_out, request.timeout_seconds),
                          usage_of(done.stdout), done.timed_out, done.stdout, log_streamed=live is not None,
                          said=done.stdout)  # fmt: skip


def substitute(template: str, request: TaskRequest) -> str:
    values = {
        "prompt_file": str(request.prompt_file),
        "task": request.task_id,
        "teammate": request.teammate,
        "worktree": str(request.worktree),
    }
    return PLACEHOLDER.sub(lambda found: shlex.quote(values[found.group(1)]), template)


def usage_of(output: str) -> Usage:
    """The sum of every RALLY_USAGE line; malformed numbers are ignored."""
    totals = {"input_tokens": 0.0, "output_tokens": 0.0, "cost_usd": 0.0}
    for line in USAGE_LINE.finditer(output):
        for pair in line.group(1).split():
            key, _, value = pair.partition("=")
            if key in totals:
                try:
                    totals[key] += max(float(value), 0.0)
                except ValueError:
                    continue
    return Usage(int(totals["input_tokens"]), int(totals["output_tokens"]), totals["cost_usd"])


def _summary(output: str, exit_code: int, timed_out: bool, timeout: float) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip() and not line.startswith("RALLY_USAGE")]
    last = lines[-1][:SUMMARY_LENGTH] if lines else ""
    if timed_out:
        return f"timed out after {timeout:g}s"
    if exit_code != 0:
        return f"exited with code {exit_code}" + (f": {last}" if last else "")
    return last


BACKEND = ShellBackend()
