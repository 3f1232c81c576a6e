"""Codex CLI subagents: one `.codex/agents/<team>-<teammate>.toml` each; the lead spawns them explicitly.

Codex rejects an agent file with an unknown key, so a file holds only
`name`, `description`, `developer_instructions` (the teammate prompt),
`sandbox_mode` and, when it means something to Codex, `model`. A Claude
model (`opus`, `sonnet`, `haiku`, `inherit`, any id containing `claude`)
does not: `model` is left out, Codex uses its configured default, and a
compile note says so. `sandbox_mode` is `read-only` for a teammate that owns
no files and `workspace-write` otherwise. Codex spawns no subagent unless
asked, so lead.md asks explicitly (`spawn_agent`, `wait_agent`, `close_agent`).
The TOML is written by hand (Python has no TOML writer in the standard
library); the string filters in `rallyc.compile.render` do the escaping.
"""

from __future__ import annotations

from rallyc.compile.render import render
from rallyc.plan import Plan, TeammatePlan
from rallyc.targets import Output
from rallyc.targets.common import prompt_files, qualified_names, description

NAME = "codex-subagents"
RUNTIME_FOLDER = ".codex/agents"
CLAUDE_ALIASES = frozenset({"opus", "sonnet", "haiku", "inherit"})


def emit(plan: Plan, marker: str) -> Output:
    agents = qualified_names(plan)
    files, bodies = prompt_files(plan, marker, NAME, agents)
    runtime = {
        f"{RUNTIME_FOLDER}/{agents[mate.name]}.toml": render(
            "codex-subagents/agent.toml.j2", marker=marker, agent=agents[mate.name], model=codex_model(mate),
            description=description(plan, mate), sandbox=sandbox_mode(mate), body=bodies[mate.name])
        for mate in plan.teammates
    }  # fmt: skip
    return Output({**files, **runtime}, tuple(sorted(runtime)), _notes(plan))


def codex_model(mate: TeammatePlan) -> str | None:
    """The teammate's model when Codex can use it; None for a Claude model."""
    model = mate.model
    return None if model in CLAUDE_ALIASES or "claude" in model.lower() else model


def sandbox_mode(mate: TeammatePlan) -> str:
    return "workspace-write" if mate.owns else "read-only"


def _notes(plan: Plan) -> tuple[str, ...]:
    dropped = [f"{mate.name} ({mate.model})" for mate in plan.teammates if codex_model(mate) is None]
    if not dropped:
        return ()
    return (f"{RUNTIME_FOLDER}: no `model` for {', '.join(dropped)}: Claude models mean nothing to Codex, "
            "which uses its configured model instead",)  # fmt: skip
