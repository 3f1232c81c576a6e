"""The `anthropic` backend: rallyc's own tool loop on the Messages API (docs/runner.md).

The model gets four tools confined to the worktree (`_workspace.py`); the loop goes on while the
model stops for `tool_use`, up to `MAX_TURNS` turns, inside the task's timeout. The client is the
`anthropic` SDK's async one, pointed at `ANTHROPIC_BASE_URL` from the request's environment when
set; the SDK retries 429s, 5xx and dropped connections itself (`MAX_RETRIES`), honouring
`retry-after`.

`import anthropic` takes over a second, so it happens inside the functions that need it, never
when rallyc (or `rallyc.runner`) is imported: `tests/test_imports.py` holds the CLI to that.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rallyc.errors import RallyError
from rallyc.models import api_model_id, price_of
from rallyc.render import globs
from rallyc.runner.backends import TaskRequest, TaskResult, Usage
from rallyc.runner.backends._process import clip
from rallyc.runner.backends._workspace import ToolError, Workspace
from rallyc.runner.secrets import Redactor
from rallyc.syntax import PatternError

if TYPE_CHECKING:
    from anthropic.types import Message, MessageParam, ToolParam, ToolResultBlockParam, ToolUseBlock

DEFAULT_BASE_URL = "https://api.anthropic.com"
MAX_TURNS = 50
MAX_TOKENS = 16_000
"""Per response: room for a whole file in one `write_file`."""
MAX_RETRIES = 4
COMMAND_TIMEOUT = 300.0
CACHE_WRITE, CACHE_READ = 1.25, 0.1
"""Prompt-cache tokens priced as fractions of the input price (Anthropic's published multipliers)."""

_PATH = {"type": "string", "description": "Relative to the repository root, `/` between segments."}
TOOLS: list[ToolParam] = [
    {
        "name": "list_files",
        "description": "List the files under a folder of the repository (recursively; `.git` is left out).",
        "input_schema": {"type": "object", "properties": {"path": {**_PATH, "default": "."}}},
    },
    {
        "name": "read_file",
        "description": "Read a text file of the repository.",
        "input_schema": {"type": "object", "properties": {"path": _PATH}, "required": ["path"]},
    },
    {
        "name": "write_file",
        "description": "Create or replace a file with `content`. Only files you own may be written; "
        "any other write is refused.",
        "input_schema": {
            "type": "object",
            "properties": {"path": _PATH, "content": {"type": "string"}},
            "required": ["path", "content"],
        },
    },
    {
        "name": "run_command",
        "description": f"Run a shell command in the repository root (no input; killed after {COMMAND_TIMEOUT:g}s). "
        "Files it changes outside what you own make the task fail.",
        "input_schema": {"type": "object", "properties": {"command": {"type": "string"}}, "required": ["command"]},
    },
]

TOOL_NAMES = tuple(tool["name"] for tool in TOOLS)

_RULES = """\
You work in a git checkout of the repository through the tools list_files, read_file, write_file \
and run_command. Paths are relative to the repository root. You may write only files matching: \
{owns}. Do not commit; the runner does. When the task is done, stop calling tools and reply with \
a one-line summary of what you did."""


class AnthropicBackend:
    name = "anthropic"
    runtime = "claude-subagents"
    summary = "The Anthropic API directly."

    def preflight(self, env: Mapping[str, str], shell: str | None) -> None:
        if importlib.util.find_spec("anthropic") is None:  # finds it without the second an import takes
            raise RallyError("the anthropic backend needs the Anthropic SDK, which the light install leaves out",
                             hint="pip install 'rallyc[anthropic]'")  # fmt: skip
        if not env.get("ANTHROPIC_API_KEY", "").strip():
            raise RallyError(
                "the anthropic backend needs ANTHROPIC_API_KEY in the environment, and it is not set",
                hint="export ANTHROPIC_API_KEY, or pick another --backend",
            )

    def state_paths(self, env: Mapping[str, str]) -> list[Path]:
        return []  # the tool loop runs inside rallyc; only the commands its tool runs are sandboxed

    async def run(self, request: TaskRequest) -> TaskResult:
        if not request.env.get("ANTHROPIC_API_KEY", "").strip():
            return TaskResult(False, "ANTHROPIC_API_KEY is not set")
        import anthropic

        redactor = Redactor(request.env)
        try:
            workspace = Workspace(request.worktree, request.owns, request.env, COMMAND_TIMEOUT, request.sandbox)
        except PatternError as error:
            return TaskResult(False, f"an `owns` glob does not parse: {error.message}")
        session = Session(request, workspace, api_model_id(request.model), redactor)
        timed_out = False
        try:
            ok, summary = await asyncio.wait_for(session.loop(), request.timeout_seconds)
        except TimeoutError:
            ok, timed_out = False, True
            summary = f"timed out after {request.timeout_seconds:g}s (turn {session.turns})"
        except anthropic.APIStatusError as error:  # what is left after the SDK's retries
            ok, summary = False, f"the Messages API answered {error.status_code}: {clip(_message_of(error), 200)}"
        except anthropic.APIConnectionError as error:
            ok, summary = False, f"could not reach the Messages API: {clip(str(error), 200)}"
        except anthropic.AnthropicError as error:
            ok, summary = False, f"the Messages API client failed: {clip(str(error), 200)}"
        session.note(f"[{'ok' if ok else 'failed'}] {summary}")
        return TaskResult(ok, redactor.text(summary), session.usage(), timed_out, redactor.text(session.log()),
                          said=redactor.text(session.said))  # fmt: skip


@dataclass(slots=True)
class Session:
    """One task's conversation: the loop, the tools it calls, and what it spent so far (kept here,
    outside the loop, so a timeout still reports the tokens already paid for)."""

    request: TaskRequest
    workspace: Workspace
    model: str
    redactor: Redactor
    turns: int = 0
    input_tokens: int = 0
    output_tokens: int = 0
    cache_written: int = 0
    cache_read: int = 0
    lines: list[str] = field(default_factory=list)
    said: str = ""
    """The model's last text, whole."""

    def note(self, line: str) -> None:
        self.lines.append(line)

    def log(self) -> str:
        return "\n".join(self.lines) + "\n"

    def system(self) -> str:
        rules = _RULES.format(owns=globs(self.request.owns, str) or "nothing")
        return f"{self.request.system_prompt}\n\n{rules}" if self.request.system_prompt else rules

    async def loop(self) -> tuple[bool, str]:
        import anthropic

        env = self.request.env
        async with anthropic.AsyncAnthropic(
            api_key=env["ANTHROPIC_API_KEY"],
            # Explicit, so rallyc's own environment cannot redirect a run the request did not.
            base_url=env.get("ANTHROPIC_BASE_URL") or DEFAULT_BASE_URL,
            max_retries=MAX_RETRIES,
            timeout=min(600.0, max(1.0, self.request.timeout_seconds)),
        ) as client:
            messages: list[MessageParam] = [{"role": "user", "content": self.request.prompt}]
            self.note(f"model {self.model}, up to {MAX_TURNS} turns, owns: {globs(self.request.owns, str) or '-'}")
            while self.turns < MAX_TURNS:
                self.turns += 1
                response = await client.messages.create(
                    model=self.model, max_tokens=MAX_TOKENS, system=self.system(), tools=TOOLS, messages=messages
                )
                self.count(response)
                self.said = "\n".join(block.text for block in response.content if block.type == "text")
                said = clip(self.said)
                stop = response.stop_reason
                self.note(f"turn {self.turns}: stop_reason={stop}" + (f": {said}" if said else ""))
                if stop != "tool_use":
                    if stop in ("end_turn", "stop_sequence"):
                        return True, said or "the model finished"
                    return False, f"the model stopped with {stop}" + (f": {said}" if said else "")
                calls = [block for block in response.content if block.type == "tool_use"]
                if not calls:
                    return False, "the model stopped for tool_use but called no tool"
                messages.append({"role": "assistant", "content": response.content})
                messages.append({"role": "user", "content": [await self.call(block) for block in calls]})
        return False, f"turn cap reached: the model was still calling tools after {MAX_TURNS} turns"

    async def call(self, block: ToolUseBlock) -> ToolResultBlockParam:
        """Run one tool; refusals and failures go back to the model as `is_error` results."""
        arguments: dict[str, Any] = block.input if isinstance(block.input, dict) else {}
        tools = self.workspace
        try:
            if block.name == "list_files":
                text = tools.list_files(arguments.get("path", "."))
            elif block.name == "read_file":
                text = tools.read_file(arguments.get("path"))
            elif block.name == "write_file":
                text = tools.write_file(arguments.get("path"), arguments.get("content"))
            elif block.name == "run_command":
                text = await tools.run_command(arguments.get("command"))
            else:
                raise ToolError(f"no tool named {block.name!r}; the tools are {', '.join(TOOL_NAMES)}")
            failed = False
        except ToolError as error:
            text, failed = str(error), True
        except OSError as error:  # permissions, a file vanishing mid-read: the model may try another way
            text, failed = f"{block.name} failed: {error.strerror or error}", True
        # Scrubbed before it goes to the model: a file or a command may print a secret.
        text = self.redactor.text(text)
        target = arguments.get("path") or arguments.get("command") or ""
        self.note(f"  {block.name}({clip(str(target), 80)}) -> {'refused: ' if failed else ''}{clip(text, 160)}")
        return {"type": "tool_result", "tool_use_id": block.id, "content": text, "is_error": failed}

    def count(self, response: Message) -> None:
        usage = response.usage
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens
        self.cache_written += usage.cache_creation_input_tokens or 0
        self.cache_read += usage.cache_read_input_tokens or 0

    def usage(self) -> Usage:
        """Input tokens include the cache's; the cost prices each kind at its own rate."""
        per_input, per_output = self.request.price or (price_of(self.model).input, price_of(self.model).output)
        weighted = self.input_tokens + CACHE_WRITE * self.cache_written + CACHE_READ * self.cache_read
        cost = (weighted * per_input + self.output_tokens * per_output) / 1_000_000
        return Usage(self.input_tokens + self.cache_written + self.cache_read, self.output_tokens, cost)


def _message_of(error: Any) -> str:
    body = getattr(error, "body", None)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        return str(body["error"].get("message", error))
    return str(getattr(error, "message", error))


BACKEND = AnthropicBackend()
