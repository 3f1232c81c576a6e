"""One hook call decided in this process: by the command line when no guard server answers, and by the server
for the calls it answers (so both decide the same way)."""

from __future__ import annotations

ALLOW, REFUSE = 0, 2
"""The only exit codes: 0 lets the call through, 2 refuses it (any other code would let it through)."""


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
