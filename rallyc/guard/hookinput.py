"""Reading what a runtime sends a hook on stdin, and the one way the guard says no.

Both runtimes send one JSON object. Claude Code's fields are listed at
code.claude.com/docs/en/hooks ("Common input fields" and each event's
"input" section); Codex's PreToolUse payload has the same names
(openai/codex codex-rs/hooks/src/events/pre_tool_use.rs, `command_input_json`).
Anything else (not JSON, not an object, a field missing or of the wrong type)
is a `Denied`: the guard never lets a call through because it could not read it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any


class Denied(Exception):
    """The call is refused (a write) or held back (a stop, a completion): the message says why and what to do."""


@dataclass(frozen=True, slots=True)
class HookInput:
    fields: dict[str, Any]

    def text(self, key: str, *, required: bool = False) -> str:
        """A string field; "" when absent (hooks leave identity fields out, or send them empty)."""
        value = self.fields.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or (required and not value):
            raise Denied(f"the hook input's `{key}` is {'missing' if value is None else 'not a non-empty string'}")
        return value

    def tool_input(self) -> dict[str, Any]:
        value = self.fields.get("tool_input")
        if not isinstance(value, dict):
            raise Denied("the hook input has no `tool_input` object")
        return value

    def tool_text(self, key: str) -> str:
        value = self.tool_input().get(key)
        if not isinstance(value, str) or not value:
            raise Denied(f"the hook input's `tool_input.{key}` is missing or empty")
        return value


def read_input(data: bytes) -> HookInput:
    """The hook input in `data`; Denied when it is not a JSON object."""
    try:
        document = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as error:
        raise Denied(f"the hook input is not UTF-8 (byte {error.start})") from None
    except json.JSONDecodeError as error:
        raise Denied(f"the hook input is not JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    except RecursionError:
        raise Denied("the hook input is JSON nested too deeply to read") from None
    if not isinstance(document, dict):
        raise Denied(f"the hook input is JSON but not an object (a {type(document).__name__})")
    return HookInput(document)
