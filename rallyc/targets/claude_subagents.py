"""Claude Code subagents: the lead delegates one task at a time with the Agent tool; workers report back.

Subagents have no plan-approval handshake, and a subagent started in `plan`
permission mode can never write. So a `plan` teammate's agent file says
`permissionMode: default` (its edits ask for approval, a checkpoint no looser
than the spec's) and lead.md runs plan approval as a protocol: delegate once
for a plan only, review it, delegate again with the approved plan. A lead
session in `auto`, `acceptEdits` or `bypassPermissions` overrides the file's
mode (code.claude.com/docs/en/sub-agents, "Permission modes"), which is why
the protocol, not the mode, carries the approval.

Each agent file carries the guard's hooks (PreToolUse on writes, a `Stop`
hook that runs as SubagentStop): they run only while that subagent runs and
name their teammate themselves. Claude Code runs a project agent's hooks only
once the folder's workspace trust is accepted (same page, "Hooks in subagent
frontmatter").
"""

from __future__ import annotations

from rallyc.models import Provider
from rallyc.plan import Plan, TeammatePlan
from rallyc.targets import Output, Target
from rallyc.targets.common import CLAUDE_AGENT_FOLDER, CLAUDE_SETTINGS, ClaudeFlavour, emit_claude


def emit(plan: Plan, marker: str) -> Output:
    return emit_claude(plan, marker, TARGET.name, ClaudeFlavour(permission_mode, hooks_in_agents=True))


def permission_mode(mate: TeammatePlan) -> str | None:
    return "default" if mate.mode == "plan" else mate.mode


TARGET = Target(
    name="claude-subagents",
    summary="Claude Code subagents: the lead delegates one task at a time",
    runtime_folder=CLAUDE_AGENT_FOLDER,
    hooks_file=CLAUDE_SETTINGS,
    overhead=1.75,  # subagents cost 1.5-2x a single session (the Rally orchestration guide's budget guardrails)
    agent_models=Provider.ANTHROPIC,
    emit=emit,
)
