"""Codex CLI subagents: one `.codex/agents/<team>-<teammate>.toml` each; the lead spawns them explicitly.

A custom agent file holds `name`, `description` and `developer_instructions`
(the teammate prompt), and may hold `nickname_candidates`, `model`,
`model_reasoning_effort` and `sandbox_mode` (developers.openai.com/codex/subagents;
Codex rejects an unknown key). `nickname_candidates` is the teammate's name,
shown when the subagent runs; `model_reasoning_effort` is left to Codex's
configuration, since a spec has no field for it. `model` is written only
when it means something to Codex (`rallyc.models.runtime_model`): a Claude
model is left out, Codex runs its configured model, the estimate prices it
as the Codex default, and a compile note says so. `sandbox_mode` is
`read-only` for a teammate that owns no files and `workspace-write`
otherwise. The TOML is written by hand (Python has no TOML writer in the
standard library); the string filters in `rallyc.render` do the escaping.

The guard: `.codex/hooks.json` gets a PreToolUse hook on `apply_patch`
(developers.openai.com/codex/hooks), which Codex calls a guardrail rather
than a complete enforcement boundary: a shell command can still write.
"""

from __future__ import annotations

from rallyc.models import CODEX_DEFAULT_MODEL, Provider, runtime_model
from rallyc.plan import Plan, TeammatePlan
from rallyc.render import render
from rallyc.targets import Output, Target
from rallyc.targets.common import description, prompt_files, qualified_names
from rallyc.targets.hooks import codex_hooks, guarded_output

RUNTIME_FOLDER = ".codex/agents"
CODEX_HOOKS = ".codex/hooks.json"


def emit(plan: Plan, marker: str) -> Output:
    agents = qualified_names(plan)
    files, bodies = prompt_files(plan, marker, TARGET.name, agents)
    runtime = {
        f"{RUNTIME_FOLDER}/{agents[mate.name]}.toml": render(
            "codex-subagents/agent.toml.j2", marker=marker, agent=agents[mate.name], nickname=mate.name,
            model=runtime_model(mate.model, TARGET.name), description=description(plan, mate), sandbox=sandbox_mode(mate),
            body=bodies[mate.name])
        for mate in plan.teammates
    }  # fmt: skip
    merged = {CODEX_HOOKS: tuple(codex_hooks(plan, marker))}
    return guarded_output(plan, marker, ".codex", agents, files, runtime, merged, _notes(plan))


def sandbox_mode(mate: TeammatePlan) -> str:
    return "workspace-write" if mate.owns else "read-only"


def _notes(plan: Plan) -> tuple[str, ...]:
    dropped = [f"{mate.name} ({mate.model})" for mate in plan.teammates if runtime_model(mate.model, TARGET.name) is None]
    if not dropped:
        return ()
    return (f"{RUNTIME_FOLDER}: no `model` for {', '.join(dropped)}: Claude models mean nothing to Codex, which "
            f"uses its configured model instead; the estimate prices their tasks as {CODEX_DEFAULT_MODEL}",)  # fmt: skip


TARGET = Target(
    name="codex-subagents",
    summary="Codex subagents: the lead spawns one agent per task",
    runtime_folder=RUNTIME_FOLDER,
    hooks_file=CODEX_HOOKS,
    overhead=1.75,  # subagents cost 1.5-2x a single session (the Rally orchestration guide's budget guardrails)
    agent_models=Provider.OPENAI,
    emit=emit,
)
