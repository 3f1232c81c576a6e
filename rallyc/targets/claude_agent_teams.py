"""Claude Code agent teams: a lead session spawns teammates that share a task list and message the lead.

Facts this target relies on (Claude Code 2.1.178 and later): agent teams are
enabled with `CLAUDE_CODE_EXPERIMENTAL_AGENT_TEAMS=1`; there is no
TeamCreate/TeamDelete; the lead spawns each teammate with the Agent tool
naming its agent type (a `.claude/agents/*.md` file), creates tasks with
`TaskCreate {subject, description}`, wires them with
`TaskUpdate {taskId, addBlockedBy}` and messages with
`SendMessage {to, message, summary}`; the lead's own name is `team-lead`.
Teammates keep their spec `mode` as `permissionMode`: a `plan` teammate
sends its plan to the lead for approval.
"""

from __future__ import annotations

from rallyc.plan import Plan, TeammatePlan
from rallyc.targets import Output
from rallyc.targets.common import CLAUDE_AGENT_FOLDER, emit_claude

NAME = "claude-agent-teams"
RUNTIME_FOLDER = CLAUDE_AGENT_FOLDER


def emit(plan: Plan, marker: str) -> Output:
    return emit_claude(plan, marker, NAME, permission_mode)


def permission_mode(mate: TeammatePlan) -> str:
    return mate.mode
