"""The guard's command line: `rallyc guard EVENT --plan PLAN [--teammate NAME]`.

Kept free of heavy imports (no click, no glob engine) so a call the guard
server answers costs little more than starting Python; the in-process path
imports what it needs when it needs it.
"""

from __future__ import annotations

import os
import sys

from rallyc.guard.decision import ALLOW, REFUSE, decide

EVENTS = ("pre-tool-use", "subagent-stop", "task-completed")
USAGE = "usage: rallyc guard {pre-tool-use|subagent-stop|task-completed} --plan PLAN [--teammate NAME]"
OFF = "RALLYC_GUARD"
"""`RALLYC_GUARD=off` in a session's environment lets every call through (turning the guard off for it)."""


class UsageError(Exception):
    pass


def main(argv: list[str]) -> int:
    """Exit 0 to let the call through, 2 to refuse it; never any other code."""
    if argv[:1] in (["-h"], ["--help"]):
        print(USAGE + "\n\nRun by the hooks rallyc compile --install writes; see docs/claude-code-and-codex.md.")
        return ALLOW
    try:
        if argv[:1] == ["serve"]:
            from rallyc.guard.server import serve

            return serve(*_options(argv[1:], "serve"))
        if os.environ.get(OFF, "").strip().lower() == "off":
            return ALLOW
        event, plan, teammate = _options(argv[1:], argv[0] if argv else "")
        code, message = _answer(event, plan, teammate, sys.stdin.buffer.read())
    except UsageError as error:
        code, message = REFUSE, f"{error}\n{USAGE}"
    except Exception as error:  # a bug must refuse too: any other exit code would let the call through
        code, message = REFUSE, f"internal error ({type(error).__name__}: {error}); the call is refused"
    if message:
        print(f"rallyc guard: {message}", file=sys.stderr)
    return code


def _options(argv: list[str], event: str) -> tuple[str, str, str | None]:
    if event not in (*EVENTS, "serve"):
        raise UsageError(f"unknown event {event!r}")
    options: dict[str, str] = {}
    for flag, value in zip(argv[::2], argv[1::2], strict=False):
        if flag not in ("--plan", "--teammate"):
            raise UsageError(f"unknown option {flag!r}")
        options[flag] = value
    if len(argv) % 2 or "--plan" not in options:
        raise UsageError("--plan PLAN is required, and every option takes a value")
    return event, options["--plan"], options.get("--teammate")


def _answer(event: str, plan: str, teammate: str | None, data: bytes) -> tuple[int, str]:
    if event == "pre-tool-use":
        from rallyc.guard.server import ask

        answered = ask(plan, teammate, data)
        if answered is not None:
            return answered
    return decide(event, plan, teammate, data)
