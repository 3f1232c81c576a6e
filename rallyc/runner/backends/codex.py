"""The `codex` backend: `codex exec --json` (docs/runner.md).

`codex exec` takes its prompt as its last argument, or from stdin when that argument is `-`. The
prompt goes on stdin, for the reasons the claude backend gives (argument length, `ps`). Codex has
no flag that appends to its system prompt, so the teammate prompt and the task go in together.

Codex prints one JSON event a line: `thread.started`, `turn.started`, `item.*`, then
`turn.completed {"usage": {"input_tokens", "cached_input_tokens", "output_tokens"}}` or
`turn.failed {"error": {"message"}}`, and `error {"message"}` for a failure outside a turn.
Success is read from the events, never from the exit code (docs/runner.md): a `turn.failed` with exit 0
is a failure, and a `turn.completed` without any failure event is a success whatever the exit code.

Codex keeps its state (sessions, logs, credentials) in `$CODEX_HOME`, else `~/.codex`
(https://developers.openai.com/codex/config-file/environment-variables): what rallyc's sandbox lets it
write. Codex's own `--sandbox workspace-write` is bubblewrap on Linux, which mounts, and no process in a
Landlock domain may mount ("Current limitations" in https://docs.kernel.org/userspace-api/landlock.html;
openai/codex `codex-rs/linux-sandbox/README.md`; seen with codex 0.171.0: every command fails with
`bwrap: setting up uid map: Permission denied`). So inside rallyc's sandbox codex runs with
`--sandbox danger-full-access`, which its help reserves for "environments that are externally
sandboxed": rallyc's sandbox is that, and stricter (codex's allowed /tmp as a whole).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from rallyc.models import command_model
from rallyc.runner.backends import TaskRequest, TaskResult, Usage
from rallyc.runner.backends._process import clip, count, require_executable, run_cli
from rallyc.runner.process import Finished

EXECUTABLE = "codex"


class CodexBackend:
    name = "codex"
    runtime = "codex-subagents"
    summary = "The Codex CLI."

    def preflight(self, env: Mapping[str, str], shell: str | None) -> None:
        require_executable(EXECUTABLE, env, "npm install -g @openai/codex")

    def state_paths(self, env: Mapping[str, str]) -> list[Path]:
        return [Path(env.get("CODEX_HOME") or Path(env.get("HOME") or Path.home()) / ".codex")]

    async def run(self, request: TaskRequest) -> TaskResult:
        events = Events()
        prompt = f"{request.system_prompt}\n\n{request.prompt}" if request.system_prompt else request.prompt
        ran = await run_cli(EXECUTABLE, request, command, stdin_text=prompt, on_line=events.read)
        if isinstance(ran, TaskResult):
            return ran
        return ran.result(events.outcome(ran.finished, request.timeout_seconds), f"<prompt: {len(prompt)} chars>")


def command(executable: str, request: TaskRequest) -> list[str]:
    sandbox = "danger-full-access" if request.sandbox is not None else "workspace-write"  # see the module's docs
    argv = [executable, "exec", "--json", "--sandbox", sandbox, "-C", str(request.worktree)]
    model = command_model(request.model, CodexBackend.runtime)  # a Claude model: codex keeps its own default
    if model:
        argv += ["-m", model]
    return [*argv, "-"]


@dataclass(slots=True)
class Events:
    """What the event stream said, read a line at a time as it arrives (a long run's stream is
    larger than the log keeps, and a `turn.failed` in the middle must still count)."""

    started: bool = False
    completed: int = 0
    failures: list[str] = field(default_factory=list)
    input_tokens: int = 0
    output_tokens: int = 0
    last_message: str = ""
    events: int = 0
    not_json: int = 0

    def read(self, line: str) -> None:
        if not line.strip():
            return
        try:
            event = json.loads(line)
        except ValueError:
            self.not_json += 1
            return
        if not isinstance(event, dict):
            self.not_json += 1
            return
        self.events += 1
        kind = event.get("type")
        if kind == "thread.started":
            self.started = True
        elif kind == "turn.completed":
            self.completed += 1
            usage = event.get("usage")
            if isinstance(usage, dict):
                # OpenAI counts cached input inside input_tokens: adding cached_input_tokens would count it twice.
                self.input_tokens += count(usage.get("input_tokens"))
                self.output_tokens += count(usage.get("output_tokens"))
        elif kind == "turn.failed":
            error = event.get("error")
            message = error.get("message") if isinstance(error, dict) else None
            self.failures.append(f"turn.failed: {message or 'no message'}")
        elif kind == "error":
            self.failures.append(f"error: {event.get('message') or 'no message'}")
        elif kind == "item.completed":
            item = event.get("item")
            if isinstance(item, dict) and item.get("type") == "agent_message" and isinstance(item.get("text"), str):
                self.last_message = item["text"]

    def outcome(self, finished: Finished, timeout: float) -> TaskResult:
        usage = Usage(self.input_tokens, self.output_tokens, None)  # the runner prices tokens
        if finished.timed_out:
            return TaskResult(False, f"codex timed out after {timeout:g}s; its process group was killed", usage, True)
        if self.failures:
            more = f" (and {len(self.failures) - 1} more)" if len(self.failures) > 1 else ""
            return TaskResult(False, f"codex failed: {clip(self.failures[0], 240)}{more}", usage)
        if not self.completed:
            if not self.events:
                detail = clip(finished.stderr or finished.stdout, 200)
                what = "no output" if not finished.stdout.strip() else "no JSON events"
                said = f"codex exited {finished.exit_code} with {what}"
                return TaskResult(False, said + (f": {detail}" if detail else ""))
            return TaskResult(False, f"codex exited {finished.exit_code} without a turn.completed event", usage)
        return TaskResult(True, clip(self.last_message) if self.last_message.strip() else "codex finished", usage,
                          said=self.last_message)  # fmt: skip


BACKEND = CodexBackend()
