"""What a run executes: the spec linted, lowered to the plan, and its teammate prompts compiled.

The runner runs the same plan and prompts `rallyc compile` writes, for the
runtime the backend declares it runs (a runner starts a worker per task and
reads its answer, which is what the subagent prompts say): codex prompts
for the `codex` backend, Claude subagent prompts for the others.
"""

from __future__ import annotations

from pathlib import Path

from rallyc.context import LintContext
from rallyc.plan import Plan


def team_dir(ctx: LintContext) -> Path:
    from rallyc.repo import repo_root

    return repo_root(ctx.path, ctx.spec.team.repo)


def compile_for_run(ctx: LintContext, runtime: str, shell: str | None = None) -> tuple[Plan, dict[str, str]]:
    """The plan and the files a run folder starts with, compiled for the backend's `runtime`: plan.json, graph.mmd,
    prompts/teammates/<name>.md. `shell` replaces run.shell (`rallyc run --shell`), in the plan.json a resumed
    run reads it back from."""
    from dataclasses import replace

    from rallyc.compile import GRAPH_FILE, PLAN_FILE, compile_context
    from rallyc.plan import plan_json

    compiled = compile_context(ctx, target=runtime)
    plan, plan_file = compiled.plan, compiled.files[PLAN_FILE]
    if shell is not None and shell != plan.run.shell:
        plan = replace(plan, run=replace(plan.run, shell=shell))
        plan_file = plan_json(plan)
    files = {"plan.json": plan_file, "graph.mmd": compiled.files[GRAPH_FILE]}
    for mate in compiled.plan.teammates:
        files[f"prompts/{mate.prompt}"] = compiled.files[mate.prompt]
    return plan, files
