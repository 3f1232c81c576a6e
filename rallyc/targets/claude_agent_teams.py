"""Claude Code agent teams: a lead session spawns teammates that share a task list and message the lead.

Facts this target relies on, each checked against Claude Code's documentation
(code.claude.com/docs/en/agent-teams unless said otherwise) and changelog:

- Agent teams are enabled with `CLAUDE_CODE_EXPERIMENTAL_AGENT_TEAMS=1`; since
  2.1.178 there is no TeamCreate/TeamDelete: the lead spawns each teammate
  with the Agent tool, naming its agent type (a `.claude/agents/*.md` file)
  and a `name`. The teammate honours the file's `tools` and `model`; its
  body is added to the teammate's system prompt ("Use subagent definitions
  for teammates").
- Teammates start with the lead's permission mode and "you can't set
  per-teammate modes at spawn time" ("Permissions"): an agent file's
  `permissionMode` means nothing here, so none is written, and plan approval
  is asked for in the spawn ("Require plan approval for teammates").
- Tasks: `TaskCreate {subject, description}`, `TaskUpdate {taskId, owner,
  addBlockedBy}` (code.claude.com/docs/en/agent-sdk/typescript); a teammate
  self-claims "the next unassigned, unblocked task" ("Assign and claim
  tasks"), so lead.md sets every task's `owner`. Since 2.1.233 the task tools
  are left out on the newest models unless `CLAUDE_CODE_ENABLE_TODO_TOOLS=1`
  (CHANGELOG.md 2.1.233; code.claude.com/docs/en/tools-reference, "Task tool
  availability"), and without them no TaskCompleted hook fires.
- The guard's hooks go into `.claude/settings.json`: PreToolUse and
  TaskCompleted hooks there run for every teammate (code.claude.com/docs/en/hooks,
  "Hook locations"; TaskCompleted exits 2 to keep a task open).
"""

from __future__ import annotations

from rallyc.models import Provider
from rallyc.plan import Plan, TeammatePlan
from rallyc.targets import Output, Target
from rallyc.targets.common import CLAUDE_AGENT_FOLDER, CLAUDE_SETTINGS, ClaudeFlavour, emit_claude


def emit(plan: Plan, marker: str) -> Output:
    return emit_claude(plan, marker, TARGET.name, ClaudeFlavour(permission_mode, hooks_in_agents=False))


def permission_mode(mate: TeammatePlan) -> str | None:
    """None: a teammate's mode is the lead's; `plan` is asked for when spawning."""
    return None


TARGET = Target(
    name="claude-agent-teams",
    summary="Claude Code agent teams: a lead session with teammates",
    runtime_folder=CLAUDE_AGENT_FOLDER,
    hooks_file=CLAUDE_SETTINGS,
    overhead=3.5,  # a team costs 3-4x a single session (the Rally orchestration guide's budget guardrails)
    agent_models=Provider.ANTHROPIC,
    emit=emit,
)
