"""What each subagent wrote, one log per `agent_id`, for its SubagentStop check.

Parallel subagents share one working tree, so "what changed since this
subagent started" would blame one for another's files. Instead each allowed
write appends its path to `.rally/guard/<team>/<agent_id>.paths` (untracked,
local state; the agent's PreToolUse hook knows its `agent_id`:
code.claude.com/docs/en/hooks, "Common input fields"), the stop reads it, and
a stop that is let through removes it.
"""

from __future__ import annotations

import os
import re

from rallyc.guard.plan import GuardPlan

_UNSAFE = re.compile(r"[^A-Za-z0-9_.@-]")


def log_path(plan: GuardPlan, agent_id: str) -> str:
    name = _UNSAFE.sub("_", agent_id).lstrip(".") or "_"
    return os.path.join(plan.repo, ".rally", "guard", plan.team, f"{name}.paths")


def log_write(plan: GuardPlan, agent_id: str, relative: str) -> None:
    path = log_path(plan, agent_id)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "a", encoding="utf-8") as stream:  # one short append: whole lines even with parallel writers
        stream.write(relative + "\n")


def logged_writes(plan: GuardPlan, agent_id: str) -> list[str]:
    """The distinct paths the agent wrote, first-written first."""
    try:
        with open(log_path(plan, agent_id), encoding="utf-8") as stream:
            return list(dict.fromkeys(line.rstrip("\n") for line in stream if line.strip()))
    except FileNotFoundError:
        return []


def clear_log(plan: GuardPlan, agent_id: str) -> None:
    try:
        os.unlink(log_path(plan, agent_id))
    except FileNotFoundError:
        pass
