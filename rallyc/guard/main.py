"""The guard's command line: `rallyc guard EVENT --plan PLAN [--teammate NAME]`.

Kept free of heavy imports (no click, no glob engine) so a call the guard
server answers costs little more than starting Python; the in-process path
imports what it needs when it needs it.
"""

from __future__ import annotations

import os
import sys

EVENTS = ("pre-tool-use", "subagent-stop", "task-completed")
USAGE = "usage: rallyc guard {pre-tool-use|subagent-stop|task-completed} --plan PLAN [--teammate NAME]"
OFF = "RALLYC_GUARD"
"""`RALLYC_GUARD=off` in a session's environment lets every call through (turning the guard off for it)."""
ALLOW, REFUSE = 0, 2


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


def decide(event: str, plan_path: str, teammate: str | None, data: bytes, guard: object | None = None) -> tuple[int, str]:
    """(exit code, message) for one hook call, decided in this process (`guard`: one already loaded)."""
    from rallyc.guard import events
    from rallyc.guard.hookinput import Denied, read_input
    from rallyc.guard.plan import GuardPlanError, load_guard_plan

    try:
        loaded = guard if isinstance(guard, events.Guard) else events.Guard(load_guard_plan(plan_path))
        hook = read_input(data)
        if event == "pre-tool-use":
            events.pre_tool_use(loaded, hook, teammate)
        elif event == "subagent-stop":
            events.subagent_stop(loaded, hook, teammate)
        else:
            events.task_completed(loaded, hook)
    except (Denied, GuardPlanError) as refused:
        return REFUSE, str(refused)
    return ALLOW, ""
