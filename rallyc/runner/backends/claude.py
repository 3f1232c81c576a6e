"""The `claude` backend: Claude Code in print mode (`claude -p --output-format json`), docs/runner.md.

The task goes in on stdin, not as an argument: a prompt can be longer than one argument may be
(128 KiB on Linux), and an argument shows in `ps` to every user of the machine. The compiled
teammate prompt goes to `--append-system-prompt`, so Claude Code keeps its own system prompt
(tools, conventions) and the teammate's brief is added to it.

Claude Code keeps its state (settings, sessions, credentials it refreshes) in `$CLAUDE_CONFIG_DIR`,
else `~/.claude/` (https://code.claude.com/docs/en/env-vars): what rallyc's sandbox lets it write. Its
global file `~/.claude.json` is written beside that folder through a lock folder and a temporary
sibling renamed over it, which would need all of `~` writable; in the sandbox it cannot save that
file and carries on without it (seen with Claude Code 2.1.332: exit 0, "continuing without
persisting"), unless `CLAUDE_CONFIG_DIR` is set, which moves it into that folder. Its temporary files
follow TMPDIR (the attempt's private folder). `DISABLE_AUTOUPDATER=1` keeps a run from updating
Claude Code under the team's feet (the updater writes outside the sandbox).

Claude Code prints one JSON object when it finishes:
`{"type": "result", "subtype": "success" | "error_max_turns" | "error_during_execution" ...,
"is_error": bool, "result": str, "total_cost_usd": float, "usage": {"input_tokens": ...,
"output_tokens": ..., "cache_creation_input_tokens": ..., "cache_read_input_tokens": ...}}`.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from rallyc.models import command_model
from rallyc.runner.backends import TaskRequest, TaskResult, Usage
from rallyc.runner.backends._process import clip, count, require_executable, run_cli
from rallyc.runner.process import Finished

EXECUTABLE = "claude"
STDOUT_CAP = 16 << 20
"""The result object is parsed from stdout, so keep far more of it than a log needs."""


class ClaudeBackend:
    name = "claude"
    runtime = "claude-subagents"
    summary = "The Claude Code CLI."

    def preflight(self, env: Mapping[str, str], shell: str | None) -> None:
        require_executable(EXECUTABLE, env, "npm install -g @anthropic-ai/claude-code")

    def state_paths(self, env: Mapping[str, str]) -> list[Path]:
        return [Path(env.get("CLAUDE_CONFIG_DIR") or Path(env.get("HOME") or Path.home()) / ".claude")]

    async def run(self, request: TaskRequest) -> TaskResult:
        request = replace(request, env={**request.env, "DISABLE_AUTOUPDATER": "1"})
        ran = await run_cli(EXECUTABLE, request, command, stdin_text=request.prompt, cap=STDOUT_CAP)
        if isinstance(ran, TaskResult):
            return ran
        outcome = interpret(ran.finished, request.timeout_seconds)
        return ran.result(outcome, f"<task prompt: {len(request.prompt)} chars>", shown(ran.argv, request))


def command(executable: str, request: TaskRequest) -> list[str]:
    argv = [executable, "-p", "--output-format", "json", "--permission-mode", request.mode]
    model = command_model(request.model, ClaudeBackend.runtime)  # `inherit`: leaving `--model` out keeps the session's
    if model:
        argv += ["--model", model]
    if request.system_prompt:
        argv += ["--append-system-prompt", request.system_prompt]
    return argv


def interpret(finished: Finished, timeout: float) -> TaskResult:
    """The task's outcome from what claude printed; the log is added by the caller."""
    found = final_object(finished.stdout)
    usage = usage_of(found) if found is not None else Usage()
    if finished.timed_out:
        return TaskResult(False, f"claude timed out after {timeout:g}s; its process group was killed", usage, True)
    if found is None:
        what = "no output" if not finished.stdout.strip() else "output that is not a JSON result object"
        detail = clip(finished.stderr or finished.stdout, 200)
        return TaskResult(False, f"claude exited {finished.exit_code} with {what}" + (f": {detail}" if detail else ""))
    subtype = str(found.get("subtype", "")) or "no subtype"
    text = found.get("result")
    said = clip(text) if isinstance(text, str) and text.strip() else ""
    if found.get("is_error") is not False or subtype != "success":
        errors = found.get("errors")
        if not said and isinstance(errors, list) and errors:
            said = clip("; ".join(map(str, errors)))
        flagged = ", is_error" if found.get("is_error") else ""
        return TaskResult(False, f"claude failed ({subtype}{flagged})" + (f": {said}" if said else ""), usage)
    whole = text if isinstance(text, str) else ""
    if finished.exit_code != 0:  # a success object and a failing exit: trust neither
        return TaskResult(False, f"claude reported success but exited {finished.exit_code}", usage, said=whole)
    return TaskResult(True, said or "claude finished", usage, said=whole)


def final_object(stdout: str) -> dict[str, Any] | None:
    """The result object: the whole of stdout, else the last line that is one (a warning printed
    before it must not hide it). Some versions print a list of messages: take its result."""
    text = stdout.strip()
    if not text:
        return None
    candidates = [text, *reversed(text.splitlines())]
    for candidate in candidates:
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, list):
            value = next((item for item in reversed(value) if _is_result(item)), None)
        if _is_result(value):
            found: dict[str, Any] = value
            return found
    return None


def _is_result(value: object) -> bool:
    return isinstance(value, dict) and value.get("type") == "result"


_INPUT_KEYS = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens")


def usage_of(found: Mapping[str, Any]) -> Usage:
    """Input tokens include the cache's (written and read): they are tokens the model took in.
    The cost is Claude Code's own figure, which already prices the cache correctly."""
    raw = found.get("usage")
    usage = raw if isinstance(raw, dict) else {}
    taken = sum(count(usage.get(key)) for key in _INPUT_KEYS)
    cost = found.get("total_cost_usd")
    priced = float(cost) if isinstance(cost, (int, float)) and not isinstance(cost, bool) and cost >= 0 else None
    return Usage(taken, count(usage.get("output_tokens")), priced)


def shown(argv: list[str], request: TaskRequest) -> list[str]:
    """argv for the transcript: the system prompt is long, so only its length is shown."""
    system = request.system_prompt
    return [f"<system prompt: {len(system)} chars>" if system and arg == system else arg for arg in argv]


BACKEND = ClaudeBackend()
