"""What a run executes: the spec linted, lowered to the plan, and its teammate prompts compiled.

The runner runs the same plan and prompts `rallyc compile` writes, for the
subagent runtime that matches the backend (a runner starts a worker per task
and reads its answer, which is what the subagent prompts say): codex
prompts for the `codex` backend, Claude subagent prompts otherwise.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from rallyc.context import LintContext
from rallyc.plan import Plan

PLAN_KEYS = ("team", "teammates", "tasks", "merge_order", "verify", "budget")
"""What must not change for a run to be resumed (the runtime and run settings may)."""


def team_dir(ctx: LintContext) -> Path:
    from rallyc.repo import repo_root

    return repo_root(ctx.path, ctx.spec.team.repo)


def runtime_for(backend: str) -> str:
    return "codex-subagents" if backend == "codex" else "claude-subagents"


def compile_for_run(ctx: LintContext, backend: str) -> tuple[Plan, dict[str, str]]:
    """The plan and the files a run folder starts with: plan.json, graph.mmd, prompts/teammates/<name>.md."""
    from rallyc.compile.graph import mermaid
    from rallyc.compile.output import marker_text
    from rallyc.plan import lower, plan_document
    from rallyc.targets import target_named

    spec_path = Path(os.path.relpath(ctx.path.resolve(), team_dir(ctx))).as_posix()
    target = target_named(runtime_for(backend))
    plan = lower(ctx, spec_path, target.name)
    output = target.emit(plan, marker_text(spec_path))
    files = {
        "plan.json": json.dumps(plan_document(plan), indent=2, sort_keys=True, ensure_ascii=False) + "\n",
        "graph.mmd": mermaid(ctx.spec, ctx.graph),
    }
    for mate in plan.teammates:
        files[f"prompts/{mate.prompt}"] = output.files[mate.prompt]
    return plan, files


def same_plan(saved: Path, current: str) -> bool:
    """Whether the plan a run started with and the spec's plan now agree on everything a resume relies on."""
    try:
        before = json.loads(saved.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    now = json.loads(current)
    return all(before.get(key) == now.get(key) for key in PLAN_KEYS)
