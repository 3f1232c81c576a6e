"""Claude Code subagents: the lead delegates one task at a time with the Agent tool; workers report back.

Subagents have no plan-approval handshake, and a subagent started in `plan`
permission mode can never write. So a `plan` teammate's agent file says
`permissionMode: default` (its edits ask for approval, a checkpoint no looser
than the spec's) and lead.md runs plan approval as a protocol: delegate once
for a plan only, review it, delegate again with the approved plan.
"""

from __future__ import annotations

from rallyc.plan import Plan, TeammatePlan
from rallyc.targets import Output
from rallyc.targets.common import CLAUDE_AGENT_FOLDER, emit_claude

NAME = "claude-subagents"
RUNTIME_FOLDER = CLAUDE_AGENT_FOLDER


def emit(plan: Plan, marker: str) -> Output:
    return emit_claude(plan, marker, NAME, permission_mode)


def permission_mode(mate: TeammatePlan) -> str:
    return "default" if mate.mode == "plan" else mate.mode
