"""`rallyc run --dry-run`: the schedule by estimate under the runner's policy, the cost, the merge order."""

from __future__ import annotations

from rallyc.plan import Plan
from rallyc.runner.scheduler import simulate
from rallyc.units import format_duration, format_tokens, format_usd


def dry_run_text(plan: Plan, concurrency: int, max_usd: float | None, backend: str) -> str:
    """`max_usd`: the cap in force (--max-usd, else budget.max_usd)."""
    slots = simulate(plan, concurrency)
    makespan = max((slot.finish for slot in slots), default=0.0)
    work = sum(slot.finish - slot.start for slot in slots)
    mate_width = max(len("teammate"), *(len(mate.name) for mate in plan.teammates))
    lines = [
        f"Dry run of team {plan.team.name}: {len(plan.teammates)} teammates, {len(plan.tasks)} tasks, backend {backend}, "
        f"at most {concurrency} teammate(s) at once",
        "",
        "Schedule by estimate (a task starts when what it waits on is done and its teammate is free):",
        f"  {'start':>7}  {'finish':>7}  {'teammate':<{mate_width}}  task",
    ]
    for slot in sorted(slots, key=lambda s: (s.start, s.teammate)):
        lines.append(f"  {format_duration(slot.start):>7}  {format_duration(slot.finish):>7}  "
                     f"{slot.teammate:<{mate_width}}  {slot.task}")  # fmt: skip
    speedup = work / makespan if makespan else 1.0
    lines += [
        f"  makespan {format_duration(makespan)} for {format_duration(work)} of work: speedup {speedup:.2f}x "
        f"({plan.speedup:.2f}x with every teammate at once)",
        "",
        _cost(plan, max_usd),
        f"  how: {plan.budget.explanation}",
        *([f"  learned from past runs: {plan.learned_summary}"] if plan.learned else []),
        "",
        f"Merge order at fan-in, one teammate at a time: {' > '.join(plan.merge_order)}",
        f"Team checks after fan-in: {'; '.join(plan.verify) if plan.verify else 'none'}",
        "",
        "Nothing was created: no run folder, worktree or branch.",
    ]
    return "\n".join(lines)


def _cost(plan: Plan, cap: float | None) -> str:
    budget = plan.budget
    text = f"Cost estimate: {format_usd(budget.estimated_usd)}"
    text += f" of a {format_usd(cap)} cap" if cap is not None else " (no cap: set budget.max_usd or --max-usd)"
    text += f"; {format_tokens(budget.estimated_tokens)} tokens"
    if budget.max_tokens is not None:
        text += f" of {format_tokens(budget.max_tokens)}"
    return text


def projection(plan: Plan, cap: float | None) -> str:
    """The run's budget projection, one line at its start: what the estimate says it will spend and take."""
    text = f"{_cost(plan, cap)}; makespan {format_duration(plan.makespan_seconds)} by estimate"
    text += f" (learned from past runs: {plan.learned_summary})" if plan.learned else " (the spec's own figures)"
    if cap is not None and plan.budget.estimated_usd > cap:
        text += "; over the cap: expect the run to stop early and skip tasks for the budget"
    return text
