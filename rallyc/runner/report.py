"""The end of a run: report.json (schemas/report.schema.json), report.md and TES.

handoff.md is compile's handoff filled in from report.json (`rallyc.documents`).

TES (team execution score), each part in [0, 1]:

    TES = 0.30 parallel efficiency + 0.20 task economy + 0.20 conflict prevention
        + 0.20 integration quality + 0.10 user autonomy

- parallel efficiency: achieved speedup / planned speedup, at most 1, where
  achieved = sum of the tasks' durations (every attempt) / wall time of the
  task phase (first dispatch to last task end, over every session);
- task economy: done / tasks x min(1, estimated tokens / used tokens) (1 when none used);
- conflict prevention: 1 - (ownership violations + merge conflicts) / tasks, at least 0;
- integration quality: passed checks / checks run (task and team `verify`, every attempt), 1 when none;
- user autonomy: 1 - (retries + escalations) / tasks, at least 0.

Grade: A >= 0.90, B >= 0.80, C >= 0.70, D >= 0.60, else F; F when no task is done,
at most C when the run is partial.
"""

from __future__ import annotations

from typing import Any

from rallyc.documents import DESTINATIONS
from rallyc.learned import value_document
from rallyc.plan import INTEGRATION, Plan, branch_name, number
from rallyc.render import code, codes, inert
from rallyc.runner.state import RunState
from rallyc.statuses import ENDED, RunOutcome, RunStatus, TaskStatus
from rallyc.tes import WEIGHTS, Tes, TesFigures
from rallyc.tes import score as tes_score
from rallyc.units import format_duration, format_tokens, format_usd

REPORT_VERSION = 1
CONVERGED = "converged: "
OUTSIDE = {"refs": "your refs", "checkout": "files of your checkout"}
"""What changed outside the run, by `Outside.kind`, as the report and the live progress name it."""


def seconds(value: float) -> str:
    """`4.2s` under a minute, `12m30s` above: scripted tasks take seconds, agents minutes."""
    return f"{value:.1f}s" if value < 60 else format_duration(value)


def speedup_achieved(state: RunState) -> float:
    work = sum(task.duration_s for task in state.tasks.values())
    return work / state.task_wall_s if state.task_wall_s > 0 else 0.0


def tes(plan: Plan, state: RunState) -> Tes:
    return tes_score(TesFigures(
        tasks=len(plan.tasks), done=state.count(TaskStatus.DONE), planned_speedup=plan.speedup,
        achieved_speedup=speedup_achieved(state), estimated_tokens=plan.budget.estimated_tokens,
        used_tokens=state.tokens, violations_and_conflicts=len(state.violations) + len(state.conflicts),
        checks_passed=sum(1 for check in state.checks if check.exit_code == 0), checks=len(state.checks),
        retries_and_escalations=sum(task.retries + task.escalations for task in state.tasks.values()),
        outcome=run_status(plan, state)))


def run_status(plan: Plan, state: RunState) -> RunOutcome:
    """How the run ended (docs/runner.md, "Exit codes and the report"). A change to the user's refs or checkout
    while tasks ran without a sandbox (a possible violation) keeps a run from passing."""
    if state.status == RunStatus.INTERRUPTED:
        return RunOutcome.INTERRUPTED
    if _all_landed(plan, state) and not state.outside:
        return RunOutcome.PASSED
    return RunOutcome.FAILED if state.count(TaskStatus.DONE) == 0 else RunOutcome.PARTIAL


def report_document(plan: Plan, state: RunState) -> dict[str, Any]:
    score = tes(plan, state)
    return {
        "generator": "rallyc",
        "version": REPORT_VERSION,
        "run_id": state.run_id,
        "team": plan.team.name,
        "goal": plan.team.goal,
        "spec": plan.spec,
        "backend": state.backend,
        "status": run_status(plan, state),
        "started_at": state.started_at,
        "finished_at": state.finished_at,
        "base": state.base,
        "base_commit": state.base_commit,
        "integration_branch": branch_name(state.run_id, INTEGRATION),
        "integration_commit": state.fanin.commit,
        "merge_order": list(plan.merge_order),
        "merged": list(state.fanin.merged),
        "teammates": [_teammate(plan, state, mate.name) for mate in plan.teammates],
        "counts": {"total": len(plan.tasks), **{status: state.count(status) for status in ENDED}},
        "tasks": [_task(state, task.id) for task in plan.tasks],
        "retries": sum(task.retries for task in state.tasks.values()),
        "escalations": sum(task.escalations for task in state.tasks.values()),
        "violations": [{"task": v.task, "attempt": v.attempt, "paths": v.paths, "details": v.details, "patch": v.patch}
                       for v in state.violations],  # fmt: skip
        "outside_changes": [{"kind": o.kind, "during": o.during, "what": o.what} for o in state.outside],
        "strays": [{"teammate": x.teammate, "task": x.task, "paths": x.paths, "patch": x.patch} for x in state.strays],
        "sandbox": state.sandbox,
        "merge_conflicts": [{"stage": c.stage, "subject": c.subject, "paths": c.paths} for c in state.conflicts],
        "checks": [{"command": c.command, "scope": c.scope, "exit_code": c.exit_code, "attempt": c.attempt,
                    "seconds": number(c.seconds)} for c in state.checks],  # fmt: skip
        "cost_usd": number(state.cost_usd),
        "tokens": state.tokens,
        "estimated_usd": number(plan.budget.estimated_usd),
        "estimated_tokens": number(plan.budget.estimated_tokens),
        "estimated_makespan_seconds": number(plan.makespan_seconds),
        "learned": [value_document(item, points=False) for item in plan.learned],
        "overrides": list(state.overrides),
        "max_usd": state.max_usd,
        "max_tokens": state.max_tokens,
        "budget_stop": state.budget_stop,
        "wall_seconds": number(state.wall_s),
        "task_wall_seconds": number(state.task_wall_s),
        "work_seconds": number(sum(task.duration_s for task in state.tasks.values())),
        "speedup_planned": number(plan.speedup),
        "speedup_achieved": number(speedup_achieved(state)),
        "risks": risks(plan, state),
        "next_step": next_step(plan, state),
        "applied": {"branch": state.applied.branch, "commit": state.applied.commit} if state.applied else None,
        "tes": {"score": score.score, "grade": score.grade, "parts": score.parts},
    }


def _teammate(plan: Plan, state: RunState, name: str) -> dict[str, Any]:
    mate = plan.teammate(name)
    records = [state.tasks[task.id] for task in mate.tasks]
    changed = sorted({path for record in records if record.status == TaskStatus.DONE
                      for path in record.files_changed})  # fmt: skip
    return {
        "name": name, "role": mate.role, "model": mate.model, "owns": list(mate.owns),
        "branch": branch_name(state.run_id, name), "tasks": [task.id for task in mate.tasks],
        "files_changed": changed,
        "cost_usd": number(sum(record.cost_usd for record in records)),
        "tokens": sum(record.tokens for record in records),
        "estimated_usd": number(mate.usd),
        "estimated_tokens": number(sum(task.tokens for task in mate.tasks) * plan.budget.overhead),
    }  # fmt: skip


def _task(state: RunState, task_id: str) -> dict[str, Any]:
    record = state.tasks[task_id]
    status = record.status if record.status in ENDED else TaskStatus.SKIPPED
    reason = record.reason or ("" if status == TaskStatus.DONE else "not run (the run was interrupted)")
    return {
        "id": task_id, "teammate": record.teammate, "status": status, "reason": reason,
        "attempts": record.attempts, "escalations": record.escalations, "duration_s": number(record.duration_s),
        "cost_usd": number(record.cost_usd), "tokens": record.tokens, "input_tokens": record.input_tokens,
        "output_tokens": record.output_tokens, "files_changed": list(record.files_changed), "commit": record.commit,
        "patches": list(record.patches), "notes": record.notes, "blocker": record.blocker,
        "reported_files": record.reported_files,
    }  # fmt: skip


def risks(plan: Plan, state: RunState) -> list[str]:
    found = []
    for task in plan.tasks:
        record = state.tasks[task.id]
        if record.status == TaskStatus.FAILED:
            found.append(f"{task.id} failed: {record.reason}")
        elif record.status != TaskStatus.DONE:
            found.append(f"{task.id} was not done ({record.reason or 'not run'})")
        elif task.risk != "low":
            found.append(f"{task.id} is {task.risk} risk: review its commit closely")
        elif not task.verify and not task.done_when:
            found.append(f"{task.id} has no check and no completion criteria: nothing but its author vouches for it")
    found += _shared_blockers(state)
    found += [f"possible violation while {', '.join(o.during)} ran: {OUTSIDE[o.kind]} changed (not reverted): "
              f"{'; '.join(o.what[:5])}" for o in state.outside]  # fmt: skip
    found += [f"{c.command} ({c.scope}) exited {c.exit_code}" for c in state.checks if c.scope == "team" and c.exit_code]
    found += [f"{c.subject} could not be integrated: conflict in {', '.join(c.paths)}" for c in state.conflicts
              if c.stage == "fan-in"]  # fmt: skip
    if not plan.verify:
        found.append("the team has no `verify` commands: the merged result was not checked as a whole")
    return found


def _shared_blockers(state: RunState) -> list[str]:
    """One line per blocker several teammates failed on (convergence): name it, and what to do instead."""
    groups: dict[str, list[str]] = {}
    for task_id, record in state.tasks.items():
        if record.status == TaskStatus.FAILED and record.reason.startswith(CONVERGED):
            groups.setdefault(record.reason[len(CONVERGED) :], []).append(task_id)
    return [f"shared blocker: {', '.join(tasks)} failed the same way (`{blocker}`); fix it once, then diversify "
            "their targets (a different suite or target each) or give them an oracle (a known-good result to "
            "compare against) instead of retrying them all" for blocker, tasks in groups.items()]  # fmt: skip


def next_step(plan: Plan, state: RunState) -> str:
    branch = branch_name(state.run_id, INTEGRATION)
    status = run_status(plan, state)
    if status == RunOutcome.INTERRUPTED:
        return f"resume the run: rallyc run {state.spec} --resume {state.run_id}"
    if status == RunOutcome.PASSED:
        if state.applied:
            return f"the work is on {state.applied.branch}; hand it to {DESTINATIONS[plan.report_to]}"
        return f"review {branch}, then fast-forward your branch to it (git merge --ff-only {branch})"
    if state.outside and _all_landed(plan, state):
        return (f"your refs or checkout changed while tasks ran without a sandbox (a possible violation: see "
                f"\"Outside the worktrees\" in report.md); check what changed, review {branch}, then merge it "
                f"yourself (git merge --ff-only {branch})")  # fmt: skip
    return (f"read the failed tasks' logs in .rally/runs/{state.run_id}/logs/, fix the cause, then "
            f"rallyc run {state.spec} --resume {state.run_id} (done tasks are kept)")


def _all_landed(plan: Plan, state: RunState) -> bool:
    """Every task done, every team check passed, nothing left out at fan-in: all but an outside change is fine."""
    team_failed = any(check.exit_code for check in state.checks if check.scope == "team")
    left_out = any(c.stage == "fan-in" for c in state.conflicts) or any(v.stage == "fan-in" for v in state.violations)
    return state.count(TaskStatus.DONE) == len(plan.tasks) and not team_failed and not left_out


# ---- report.md ---------------------------------------------------------------------


def report_markdown(plan: Plan, state: RunState, doc: dict[str, Any], graph: str) -> str:
    """report.md from `doc`, the run's `report_document`."""
    score = doc["tes"]
    counts = doc["counts"]
    lines = [
        f"# Rally run `{state.run_id}`: {doc['status']}",
        "",
        f"Team `{plan.team.name}`: {_cell(plan.team.goal)}",
        "",
        f"- Tasks: {', '.join(f'{counts[status]} {status}' for status in ENDED)} of {counts['total']}; "
        f"retries {doc['retries']}, escalations {doc['escalations']}",
        f"- Ownership violations: {len(state.violations)}; merge conflicts: {len(state.conflicts)}",
        f"- Cost: {format_usd(state.cost_usd)} and {format_tokens(state.tokens)} tokens"
        f" (estimate {format_usd(plan.budget.estimated_usd)}, {format_tokens(plan.budget.estimated_tokens)} tokens"
        + (f"; cap {format_usd(state.max_usd)}" if state.max_usd is not None else "") + ")"
        + (f"; budget stop: {state.budget_stop}" if state.budget_stop else ""),
        f"- Speedup: {doc['speedup_achieved']:.2f}x achieved of {plan.speedup:.2f}x planned "
        f"(work {seconds(doc['work_seconds'])}, task phase {seconds(state.task_wall_s)}, "
        f"whole run {seconds(state.wall_s)})",
        estimate_line(plan, state),
        f"- Overrides: {_cell('; '.join(state.overrides)) or 'none'}",
        f"- Integration branch: `{doc['integration_branch']}`"
        + (f" at `{state.fanin.commit[:12]}`" if state.fanin.commit else "")
        + (f"; applied to `{state.applied.branch}`" if state.applied else ""),
        f"- TES: **{score['score']:.2f} ({score['grade']})**",
        "",
        "| TES part | weight | value |",
        "|---|---|---|",
        *[f"| {name.replace('_', ' ')} | {weight:.2f} | {score['parts'][name]:.2f} |" for name, weight in WEIGHTS],
        "",
        "## Task graph",
        "",
        "```mermaid",
        coloured_graph(graph, state).rstrip("\n"),
        "```",
        "",
        "## Tasks",
        "",
        "| task | teammate | status | attempts | time | cost | tokens | files | reason |",
        "|---|---|---|---|---|---|---|---|---|",
        *[_task_row(task) for task in doc["tasks"]],
        "",
        "## Team and ownership",
        "",
        "| teammate | role | owns | changed files | cost / estimate | tokens / estimate |",
        "|---|---|---|---|---|---|",
        *[_teammate_row(mate) for mate in doc["teammates"]],
        "",
        *_agents_said(doc),
        *_violations(doc),
        *_outside(doc),
        *_kept(doc),
        *_checks(doc),
        "## Fan-in",
        "",
        f"Merge order: {' > '.join(plan.merge_order)}; merged: {', '.join(state.fanin.merged) or 'none'}"
        + (f"; nothing to merge from {', '.join(state.fanin.empty)}" if state.fanin.empty else ""),
        "",
        "## Remaining risks",
        "",
        *([f"- {_cell(risk)}" for risk in doc["risks"]] or ["- none found"]),
        "",
        "## Recommended next step",
        "",
        doc["next_step"],
    ]
    return "\n".join(lines) + "\n"


def estimate_line(plan: Plan, state: RunState) -> str:
    """Estimate against actual, for the report: what `rallyc learn` learns from."""
    tokens = f"tokens {format_tokens(plan.budget.estimated_tokens)} estimated, {format_tokens(state.tokens)} used"
    time = (f"makespan {seconds(plan.makespan_seconds)} estimated, task phase {seconds(state.task_wall_s)}"
            f"{_off(plan.makespan_seconds, state.task_wall_s)}")  # fmt: skip
    source = f"learned values: {plan.learned_summary}" if plan.learned else "the spec's own figures (`rallyc learn` learns from runs)"
    return f"- Estimate vs actual: {tokens}{_off(plan.budget.estimated_tokens, state.tokens)}; {time}; from {source}"


def _off(estimate: float, actual: float) -> str:
    """` (actual 23% above the estimate)`; nothing when there is nothing to compare."""
    if estimate <= 0 or actual <= 0:
        return ""
    change = actual / estimate - 1
    return f" (actual {abs(change):.0%} {'above' if change >= 0 else 'below'} the estimate)"


def _task_row(task: dict[str, Any]) -> str:
    files = _codes(task["files_changed"], 8)
    return (f"| `{task['id']}` | {task['teammate']} | {task['status']} | {task['attempts']} | "
            f"{seconds(task['duration_s'])} | {format_usd(task['cost_usd'])} | {format_tokens(task['tokens'])} | "
            f"{files or '-'} | {_cell(task['reason']) or '-'} |")  # fmt: skip


def _teammate_row(mate: dict[str, Any]) -> str:
    owns = _codes(mate["owns"]) or "nothing"
    files = _codes(mate["files_changed"], 8)
    return (f"| {mate['name']} | {_cell(mate['role'])} | {owns} | {files or '-'} | {format_usd(mate['cost_usd'])} / "
            f"{format_usd(mate['estimated_usd'])} | {format_tokens(mate['tokens'])} / "
            f"{format_tokens(mate['estimated_tokens'])} |")  # fmt: skip


def _violations(doc: dict[str, Any]) -> list[str]:
    lines = ["## Ownership violations", ""]
    if not doc["violations"]:
        lines.append("None: every change stayed inside its teammate's `owns`.")
    for item in doc["violations"]:
        breaches = "; ".join(_breach(detail, item["paths"]) for detail in item["details"])
        lines.append(f"- `{item['task']}` attempt {item['attempt']}: {breaches}; changes kept in `{item['patch']}`")
    for item in doc["merge_conflicts"]:
        lines.append(f"- merge conflict ({item['stage']}) for `{item['subject']}`: {_cell(', '.join(item['paths']))}")
    return [*lines, ""]


def _breach(detail: str, paths: list[str]) -> str:
    """`path (why)` with the path as a code span, so a name git quotes (`"caf\\351.py"`) reads as git wrote it."""
    path = next((path for path in paths if detail.startswith(f"{path} (")), None)
    return _cell(detail) if path is None else f"{code(path)} {_cell(detail[len(path) + 1 :])}"


def _agents_said(doc: dict[str, Any]) -> list[str]:
    """Each agent's own report: its notes, a blocker, and the files it says it changed where those differ from
    what was committed (the commit is what counts); a task that did not land committed nothing."""
    lines = []
    for task in doc["tasks"]:
        said = [f"blocked: {_cell(task['blocker'])}"] if task["blocker"] else []
        said += [_cell(task["notes"])] if task["notes"] and task["notes"] != task["blocker"] else []
        reported = task["reported_files"]
        if reported is not None and sorted(reported) != sorted(task["files_changed"]):
            said.append(f"says it changed {codes(reported) or 'nothing'}; committed "
                        f"{codes(task['files_changed']) or 'nothing'}")
        if said:
            lines.append(f"- `{task['id']}` ({task['status']}): {'; '.join(said)}")
    return ["## What the agents said", "", *lines, ""] if lines else []


def _outside(doc: dict[str, Any]) -> list[str]:
    """The sandbox, changes outside the run (possible violations) and strays found in worktrees."""
    lines = ["## Outside the worktrees", "", f"Sandbox: {doc['sandbox'] or 'none'}.", ""]
    for item in doc["outside_changes"]:
        what = OUTSIDE[item["kind"]]
        lines.append(f"- Possible violation while {', '.join(f'`{t}`' for t in item['during'])} ran: {what} changed "
                     f"(not reverted; `--apply` refused): {_cell('; '.join(item['what'][:20]))}")  # fmt: skip
    for item in doc["strays"]:
        lines.append(f"- Stray changes in {item['teammate']}'s worktree before `{item['task']}` (not its own, never "
                     f"committed): {_cell(', '.join(item['paths'][:20]))}; kept in `{item['patch']}`")  # fmt: skip
    if not doc["outside_changes"] and not doc["strays"]:
        lines.append("Nothing changed outside the tasks' own worktrees.")
    return [*lines, ""]


def _kept(doc: dict[str, Any]) -> list[str]:
    kept = [task for task in doc["tasks"] if task["patches"]]
    if not kept:
        return []
    lines = ["## Kept changes", "", "What the attempts that did not land had changed, as patches in the run folder "
             "(`git apply` them in a worktree to pick the work up):", ""]  # fmt: skip
    lines += [f"- `{task['id']}`: {', '.join(f'`{patch}`' for patch in task['patches'])}" for task in kept]
    return [*lines, ""]


def _checks(doc: dict[str, Any]) -> list[str]:
    lines = ["## Checks", ""]
    if not doc["checks"]:
        return [*lines, "No `verify` commands ran.", ""]
    lines += ["| scope | attempt | command | exit code |", "|---|---|---|---|"]
    lines += [f"| {c['scope']} | {c['attempt']} | {_codes([c['command']])} | {c['exit_code']} |" for c in doc["checks"]]
    return [*lines, ""]


def _cell(text: str) -> str:
    """`inert` text that cannot open a table cell either: an agent's notes, a file name, a reason."""
    return inert(text).replace("|", "\\|")


def _codes(items: list[str], limit: int | None = None) -> str:
    """Code spans for a table cell (a `|` in a file name escaped, backticks inside it kept)."""
    spans = ", ".join(code(" ".join(str(item).split())).replace("|", "\\|") for item in items[:limit])
    return spans + (" ..." if limit is not None and len(items) > limit else "")


CLASSES = {
    TaskStatus.DONE: "fill:#d3f9d8,stroke:#2b8a3e,color:#000",
    TaskStatus.FAILED: "fill:#ffe3e3,stroke:#c92a2a,color:#000",
    TaskStatus.SKIPPED: "fill:#f1f3f5,stroke:#868e96,color:#495057,stroke-dasharray:4 3",
    TaskStatus.PENDING: "fill:#fff3bf,stroke:#e67700,color:#000",
}
"""Mermaid classes by task status; a task that never ended (pending or running) is drawn as pending."""


def coloured_graph(graph: str, state: RunState) -> str:
    """The compiled Mermaid graph (graph.mmd) with every task node coloured by its outcome."""
    by_status: dict[str, list[str]] = {}
    for task_id, record in state.tasks.items():
        status = record.status if record.status in ENDED else TaskStatus.PENDING
        by_status.setdefault(status, []).append("t_" + task_id.replace("-", "_"))
    lines = [graph.rstrip("\n")]
    lines += [f"  classDef {status} {CLASSES[status]}" for status in CLASSES if status in by_status]
    lines += [f"  class {','.join(nodes)} {status}" for status, nodes in by_status.items()]
    return "\n".join(lines) + "\n"
