"""`rallyc explain`: the plan told to a person: who does what when, what it costs and why, who owns what.

It works on any spec that builds and has no dependency cycle, lint errors or
not: a spec over its budget is exactly the one whose cost you want explained.
"""

from __future__ import annotations

from pathlib import Path

from rallyc.context import LintContext
from rallyc.errors import RallyError
from rallyc.plan import Plan, lower
from rallyc.render import globs
from rallyc.repo import LEARNED_FILE
from rallyc.units import format_duration, format_tokens, format_usd

BAR_WIDTH = 32
"""Columns of the timeline bar that stands for the whole makespan."""


def explain(ctx: LintContext) -> str:
    if not ctx.graph.acyclic:
        names = " -> ".join(ctx.graph.tasks[node].id for node in ctx.graph.cycle())
        raise RallyError(f"{ctx.file}: the tasks wait on each other in a cycle ({names})", hint="rallyc lint shows where")
    plan = lower(ctx, Path(ctx.file).as_posix(), ctx.spec.team.runtime)
    sections = (_headline(plan), *_learned(plan), _schedule(plan), _cost(plan), _ownership(plan),
                _merge(plan, bool(ctx.spec.merge_order)))  # fmt: skip
    return "\n\n".join(sections) + "\n"


def _learned(plan: Plan) -> list[str]:
    if not plan.learned:
        return []
    return [f"Estimates use learned values from past runs ({LEARNED_FILE.as_posix()}; --no-learned ignores them): "
            f"{plan.learned_summary}"]


def _headline(plan: Plan) -> str:
    lead = f"lead {plan.team.lead_model}" + (", delegate mode" if plan.team.delegate else ", delegate mode off")
    return (f"Team {plan.team.name}: {len(plan.teammates)} teammates, {len(plan.tasks)} tasks, "
            f"{plan.runtime} ({lead})")  # fmt: skip


def _schedule(plan: Plan) -> str:
    share = plan.coordination_seconds / (plan.makespan_seconds + plan.coordination_seconds or 1)
    lines = [
        f"Schedule by estimate: makespan {format_duration(plan.makespan_seconds)} for "
        f"{format_duration(plan.total_work_seconds)} of work, speedup {plan.speedup:.2f}x; "
        f"the lead's coordination adds about {format_duration(plan.coordination_seconds)} ({share:.0%})",
    ]
    name_width = max(len(mate.name) for mate in plan.teammates)
    task_width = max(len(task.id) for task in plan.tasks)
    for mate in plan.teammates:
        for number, task in enumerate(mate.tasks):
            who = mate.name if number == 0 else ""
            when = f"{format_duration(task.start_seconds):>6} - {format_duration(task.finish_seconds):<6}"
            lines.append(f"  {who:<{name_width}}  {task.id:<{task_width}}  {when}  {_bar(plan, task.start_seconds, task.finish_seconds)}")
    lines.append("  (a task starts when everything it waits for is done; a teammate does one task at a time)")
    return "\n".join(lines)


def _bar(plan: Plan, start: float, finish: float) -> str:
    scale = BAR_WIDTH / plan.makespan_seconds if plan.makespan_seconds else 0
    begin = round(start * scale)
    return "|" + " " * begin + "#" * max(round(finish * scale) - begin, 1)


def _cost(plan: Plan) -> str:
    budget = plan.budget
    ceiling = ""
    if budget.max_usd is not None:
        ceiling = f" of a {format_usd(budget.max_usd)} ceiling ({budget.estimated_usd / budget.max_usd:.0%})"
    tokens = f"{format_tokens(budget.estimated_tokens)} tokens"
    if budget.max_tokens is not None:
        tokens += f" of {format_tokens(budget.max_tokens)}"
    lines = [
        f"Cost estimate: {format_usd(budget.estimated_usd)}{ceiling}; {tokens}",
        f"  how: {budget.explanation}",
        "  rule: per task, tokens x (0.75 x input + 0.25 x output price of its model) x overhead; the lead is not counted",
    ]
    lines.extend(f"  {mate.name}: {format_usd(mate.usd)} ({mate.priced_as}, {len(mate.tasks)} task"
                 f"{'s' if len(mate.tasks) != 1 else ''})" for mate in plan.teammates)  # fmt: skip
    return "\n".join(lines)


def _ownership(plan: Plan) -> str:
    lines = ["Ownership (who may write what; everyone else only reads)"]
    width = max(len(mate.name) for mate in plan.teammates)
    for mate in plan.teammates:
        lines.append(f"  {mate.name:<{width}}  writes {globs(mate.owns, str) or 'nothing'}")
        if mate.all_reads:
            lines.append(f"  {'':<{width}}  reads  {globs(mate.all_reads, str)}")
    return "\n".join(lines)


def _merge(plan: Plan, written: bool) -> str:
    why = "merge.order" if written else "by each teammate's first task in dependency order"
    return f"Merge order at fan-in, one at a time ({why}): {' > '.join(plan.merge_order)}"
