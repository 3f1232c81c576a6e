"""The lowered plan: what every compile target renders and what `rallyc run` executes.

`lower(ctx, spec_path, runtime)` turns an analysed, lint-clean spec into plain
frozen values: no spans, defaults resolved, `after` resolved (the implicit
same-teammate order included), schedule and cost attached. `plan_document`
is its JSON form, written as `plan.json` and described by
`schemas/plan.schema.json`. Targets read only this, never the IR, so the
prompts and the plan cannot disagree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rallyc.analysis.cost import CostEstimate, estimate, overhead_for
from rallyc.analysis.graph import TaskGraph
from rallyc.context import LintContext
from rallyc.globparse import EXCLUDE
from rallyc.ir import Spec, Task, Teammate, written
from rallyc.learned import Learned, LearnedValue, summary, value_document
from rallyc.models import price_of, priced_model
from rallyc.repo import LEARNED_FILE

PLAN_VERSION = 1
INTEGRATION = "integration"
"""The fan-in worktree's and branch's name (no teammate may take it)."""


def branch_name(run_id: str, teammate: str) -> str:
    """The branch of a teammate (or `integration`) in a run; plan.json shows it with `{run_id}`."""
    return f"rally/{run_id}/{teammate}"
"""Teammate branches are `rally/<run-id>/<teammate>`; the run id exists only when a run starts."""


@dataclass(frozen=True, slots=True)
class TaskPlan:
    id: str
    teammate: str
    do: str
    writes: tuple[str, ...]
    writes_declared: bool
    """False when `writes` is the teammate's whole `owns` by default."""
    reads: tuple[str, ...]
    after: tuple[str, ...]
    """Every direct predecessor in the task graph, in spec order."""
    waits_on: tuple[str, ...]
    """The predecessors that belong to other teammates: the handoffs."""
    estimate_seconds: float | None
    timeout_seconds: float
    duration_seconds: float
    start_seconds: float
    finish_seconds: float
    tokens: int
    usd: float
    risk: str
    shared_state: tuple[str, ...]
    done_when: tuple[str, ...]
    verify: tuple[str, ...]
    prompt: str


@dataclass(frozen=True, slots=True)
class TeammatePlan:
    name: str
    role: str
    model: str
    """As written (`sonnet`, `inherit`, a full id)."""
    priced_as: str
    """The model the estimate used (`inherit` resolved to the lead's; on Codex a Claude model is the Codex default)."""
    mode: str
    owns: tuple[str, ...]
    """Globs as written: the plain ones, then the list's exclusions with their `!`."""
    reads: tuple[str, ...]
    context: str | None
    constraints: tuple[str, ...]
    report: str | None
    tasks: tuple[TaskPlan, ...]
    branch: str
    prompt: str

    @property
    def all_reads(self) -> tuple[str, ...]:
        """The teammate's `reads` and every task's, first-seen order, own files left out."""
        seen = dict.fromkeys(self.reads)
        for task in self.tasks:
            seen.update(dict.fromkeys(task.reads))
        kept = tuple(glob for glob in seen if glob not in self.owns)
        return kept if any(not glob.startswith(EXCLUDE) for glob in kept) else ()  # exclusions of nothing

    @property
    def usd(self) -> float:
        return sum(task.usd for task in self.tasks)

    @property
    def finish_seconds(self) -> float:
        return max(task.finish_seconds for task in self.tasks)


@dataclass(frozen=True, slots=True)
class TeamPlan:
    name: str
    goal: str
    repo: str
    base: str
    lead_model: str
    delegate: bool


@dataclass(frozen=True, slots=True)
class BudgetPlan:
    max_usd: float | None
    max_tokens: float | None
    overhead: float
    estimated_usd: float
    estimated_tokens: float
    explanation: str
    prices: tuple[tuple[str, float, float], ...]
    """(model, input, output) USD per million tokens, for every model a teammate uses."""
    coordination: tuple[tuple[str, float], ...]


@dataclass(frozen=True, slots=True)
class RunPlan:
    backend: str
    shell: str | None
    retries: int
    concurrency: int
    setup: tuple[str, ...]
    sandbox: str
    sandbox_writable: tuple[str, ...]
    max_file_mib: float


@dataclass(frozen=True, slots=True)
class Plan:
    spec: str
    """The spec file relative to the repository root, POSIX."""
    runtime: str
    """The target compiled for (team.runtime unless --target chose another)."""
    team: TeamPlan
    teammates: tuple[TeammatePlan, ...]
    waves: tuple[tuple[str, ...], ...]
    merge_order: tuple[str, ...]
    context: str | None
    constraints: tuple[str, ...]
    verify: tuple[str, ...]
    budget: BudgetPlan
    total_work_seconds: float
    makespan_seconds: float
    speedup: float
    coordination_seconds: float
    report_to: str
    run: RunPlan
    learned: tuple[LearnedValue, ...] = ()
    """The learned values the estimates used (none: the spec's own figures)."""

    @property
    def tasks(self) -> tuple[TaskPlan, ...]:
        return tuple(task for teammate in self.teammates for task in teammate.tasks)

    @property
    def learned_summary(self) -> str:
        """The learned values used, in words (empty when none)."""
        return summary(self.learned)

    def teammate(self, name: str) -> TeammatePlan:
        return next(teammate for teammate in self.teammates if teammate.name == name)

    def task(self, task_id: str) -> TaskPlan:
        return next(task for task in self.tasks if task.id == task_id)

    @property
    def plan_teammates(self) -> tuple[TeammatePlan, ...]:
        """Teammates in `plan` mode: the lead approves their plan before they write."""
        return tuple(teammate for teammate in self.teammates if teammate.mode == "plan")


def lower(ctx: LintContext, spec_path: str, runtime: str) -> Plan:
    """The plan of a lint-clean spec (an acyclic graph is assumed: lint refuses a cycle), estimated for `runtime`."""
    spec, graph = ctx.spec, ctx.graph
    cost, schedule = ctx.cost_for(runtime), ctx.schedule_for(runtime)
    usd = {item.task: item.usd for item in cost.tasks}
    teammates = tuple(_teammate(ctx, teammate, usd, runtime) for teammate in spec.teammates)
    return Plan(
        spec=spec_path,
        runtime=runtime,
        team=_team(spec),
        teammates=teammates,
        waves=waves(graph),
        merge_order=merge_order(spec, graph),
        context=_text(spec.context),
        constraints=tuple(spec.constraints),
        verify=tuple(spec.verify),
        budget=_budget(ctx, runtime, teammates),
        total_work_seconds=schedule.total_work,
        makespan_seconds=schedule.makespan,
        speedup=schedule.speedup,
        coordination_seconds=schedule.coordination,
        report_to=spec.report_to,
        run=RunPlan(spec.run.backend, spec.run.shell, spec.run.retries, spec.run.concurrency or len(teammates),
                    spec.run.setup, spec.run.sandbox, spec.run.sandbox_writable, spec.run.max_file_mib),
        learned=(ctx.learned or Learned()).used_by((mate.priced_as for mate in teammates), runtime),
    )


def waves(graph: TaskGraph) -> tuple[tuple[str, ...], ...]:
    """The topological generations: the task ids that could start together with unlimited teammates.

    A task's generation is one more than its latest predecessor's, which is
    what networkx's `topological_generations` computes; done here in one pass
    over the order lint already found, because importing networkx costs a
    quarter of a second, half the compile budget.
    """
    assert graph.order is not None, "waves need an acyclic task graph"
    level = [0] * len(graph.tasks)
    for node in graph.order:
        level[node] = max((level[source] + 1 for source in graph.predecessors[node]), default=0)
    found: dict[int, list[str]] = {}
    for node in range(len(graph.tasks)):  # by index, so each wave lists its tasks in spec order
        found.setdefault(level[node], []).append(graph.tasks[node].id)
    return tuple(tuple(found[depth]) for depth in sorted(found))


def merge_order(spec: Spec, graph: TaskGraph) -> tuple[str, ...]:
    """`merge.order` as written, then anyone it leaves out in the default order.

    The default: teammates sorted by the position of their first task in a
    topological order, ties in spec order (docs/language.md, "Default merge order"). Keeping unlisted
    teammates means no branch is ever forgotten at fan-in.
    """
    assert graph.order is not None, "merge order needs an acyclic task graph"
    position = {node: rank for rank, node in enumerate(graph.order)}
    first = {teammate.name: position[graph.index[teammate.tasks[0].id]] for teammate in spec.teammates}
    default = sorted((teammate.name for teammate in spec.teammates), key=lambda name: first[name])
    written = list(dict.fromkeys(item.value for item in spec.merge_order if item.value in first))
    return (*written, *(name for name in default if name not in written))


def _team(spec: Spec) -> TeamPlan:
    team = spec.team
    return TeamPlan(team.name, team.goal.strip(), team.repo, team.base, team.lead_model, team.delegate)


def _teammate(ctx: LintContext, teammate: Teammate, usd: dict[str, float], runtime: str) -> TeammatePlan:
    prompt = f"teammates/{teammate.name}.md"
    return TeammatePlan(
        name=teammate.name,
        role=teammate.role.value,
        model=teammate.model.value,
        priced_as=priced_model(teammate.model.value, ctx.spec.team.lead_model, runtime),
        mode=teammate.mode.value,
        owns=written(teammate.owns),
        reads=written(teammate.reads),
        context=_text(teammate.context),
        constraints=tuple(teammate.constraints),
        report=_text(teammate.report),
        tasks=tuple(_task(ctx, task, prompt, usd[task.id], runtime) for task in teammate.tasks),
        branch=branch_name("{run_id}", teammate.name),
        prompt=prompt,
    )


def _task(ctx: LintContext, task: Task, prompt: str, usd: float, runtime: str) -> TaskPlan:
    graph, schedule = ctx.graph, ctx.schedule_for(runtime)
    number = graph.index[task.id]
    before = tuple(graph.tasks[source] for source in sorted(graph.predecessors[number]))
    return TaskPlan(
        id=task.id,
        teammate=task.teammate,
        do=task.do.value.strip(),
        writes=written(task.writes),
        writes_declared=task.writes_declared,
        reads=written(task.reads),
        after=tuple(source.id for source in before),
        waits_on=tuple(source.id for source in before if source.teammate != task.teammate),
        estimate_seconds=task.estimate.amount if task.estimate else None,
        timeout_seconds=task.timeout_seconds,
        duration_seconds=schedule.durations[number],
        start_seconds=schedule.start[number],
        finish_seconds=schedule.finish[number],
        tokens=task.tokens,
        usd=usd,
        risk=task.risk_level,
        shared_state=tuple(item.value for item in task.shared_state),
        done_when=tuple(task.done_when),
        verify=tuple(task.verify),
        prompt=prompt,
    )


def _budget(ctx: LintContext, runtime: str, teammates: tuple[TeammatePlan, ...]) -> BudgetPlan:
    budget, cost = ctx.spec.budget, ctx.cost_for(runtime)
    overrides = dict(budget.prices)
    models = sorted({mate.priced_as for mate in teammates})  # each teammate already priced for `runtime`
    prices = tuple((model, price_of(model, overrides).input, price_of(model, overrides).output) for model in models)
    rates = budget.coordination
    return BudgetPlan(
        max_usd=budget.max_usd.amount if budget.max_usd else None,
        max_tokens=budget.max_tokens.amount if budget.max_tokens else None,
        overhead=overhead_for(budget, runtime),
        estimated_usd=cost.usd,
        estimated_tokens=cost.tokens,
        explanation=cost.explain(),
        prices=prices,
        coordination=(("handoff", rates.handoff), ("merge", rates.merge), ("spawn", rates.spawn)),
    )


def _text(value: str | None) -> str | None:
    """Optional user prose with outer blank lines trimmed."""
    return value.strip("\n") if value is not None else None


# ---- JSON -----------------------------------------------------------------------


def plan_json(plan: Plan) -> str:
    """plan.json as written: sorted keys, two-space indent, UTF-8 as it is."""
    import json

    return json.dumps(plan_document(plan), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def plan_document(plan: Plan) -> dict[str, Any]:
    """plan.json's content; keys are sorted when written, numbers normalised by `number`."""
    return {
        "generator": "rallyc",
        "version": PLAN_VERSION,
        "spec": plan.spec,
        "runtime": plan.runtime,
        "team": {
            "name": plan.team.name,
            "goal": plan.team.goal,
            "repo": plan.team.repo,
            "base": plan.team.base,
            "lead": {"model": plan.team.lead_model, "delegate": plan.team.delegate},
        },
        "teammates": [_teammate_document(teammate) for teammate in plan.teammates],
        "tasks": [_task_document(task) for task in plan.tasks],
        "waves": [list(wave) for wave in plan.waves],
        "merge_order": list(plan.merge_order),
        "verify": list(plan.verify),
        "budget": _budget_document(plan.budget),
        "total_work_seconds": number(plan.total_work_seconds),
        "makespan_seconds": number(plan.makespan_seconds),
        "speedup": number(plan.speedup),
        "coordination_seconds": number(plan.coordination_seconds),
        "report_to": plan.report_to,
        "run": {"backend": plan.run.backend, "shell": plan.run.shell, "retries": plan.run.retries,
                "concurrency": plan.run.concurrency, "setup": list(plan.run.setup), "sandbox": plan.run.sandbox,
                "sandbox_writable": list(plan.run.sandbox_writable), "max_file_mib": number(plan.run.max_file_mib)},  # fmt: skip
        **({"learned": learned_document(plan.learned)} if plan.learned else {}),
    }


def learned_document(values: tuple[LearnedValue, ...]) -> dict[str, Any]:
    """Which learned values the estimates used, each with how many runs it was learned from."""
    return {"file": LEARNED_FILE.as_posix(), "values": [value_document(item, points=False) for item in values]}


def _teammate_document(teammate: TeammatePlan) -> dict[str, Any]:
    return {
        "name": teammate.name,
        "role": teammate.role,
        "model": teammate.model,
        "mode": teammate.mode,
        "owns": list(teammate.owns),
        "reads": list(teammate.reads),
        "branch": teammate.branch,
        "prompt": teammate.prompt,
        "tasks": [task.id for task in teammate.tasks],
    }


def _task_document(task: TaskPlan) -> dict[str, Any]:
    return {
        "id": task.id,
        "teammate": task.teammate,
        "do": task.do,
        "writes": list(task.writes),
        "reads": list(task.reads),
        "after": list(task.after),
        "estimate_seconds": number(task.estimate_seconds) if task.estimate_seconds is not None else None,
        "timeout_seconds": number(task.timeout_seconds),
        "duration_seconds": number(task.duration_seconds),
        "start_seconds": number(task.start_seconds),
        "finish_seconds": number(task.finish_seconds),
        "tokens": task.tokens,
        "estimated_usd": number(task.usd),
        "risk": task.risk,
        "shared_state": list(task.shared_state),
        "done_when": list(task.done_when),
        "verify": list(task.verify),
        "prompt": task.prompt,
    }


def _budget_document(budget: BudgetPlan) -> dict[str, Any]:
    return {
        "max_usd": number(budget.max_usd) if budget.max_usd is not None else None,
        "max_tokens": number(budget.max_tokens) if budget.max_tokens is not None else None,
        "overhead": number(budget.overhead),
        "estimated_usd": number(budget.estimated_usd),
        "estimated_tokens": number(budget.estimated_tokens),
        "prices": {model: {"input": number(i), "output": number(o)} for model, i, o in budget.prices},
        "coordination_seconds": {key: number(value) for key, value in budget.coordination},
    }


def number(value: float) -> int | float:
    """Whole numbers as integers, others to 6 decimals: stable text whatever float noise the sums carry."""
    rounded = round(value, 6)
    return int(rounded) if rounded == int(rounded) else rounded
