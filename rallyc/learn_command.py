"""`rallyc learn`: the review of the runs, the proposal as a table, what it changes for a spec, its JSON
form, and writing it (with approval) or rolling it back.

The table is meant to be read in ten seconds: one row per parameter (runs,
current, observed median and spread, proposed), then the spec's figures and
the verdicts of the rules built on them (RY205, RY402, RY403), now and with
the proposal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rallyc.history import History, RunRecord
from rallyc.learn import APPROVAL_GRADE, Estimate, Proposal, learned_file, propose
from rallyc.learned import Learned, summary
from rallyc.repo import LEARNED_FILE
from rallyc.units import format_duration, format_tokens, format_usd

if TYPE_CHECKING:
    from rallyc.context import LintContext

VERDICT_CODES = ("RY205", "RY402", "RY403")
"""The rules the estimates decide: low speedup, over budget, coordination overhead."""
SHOWN_RUNS = 5


@dataclass(frozen=True, slots=True)
class Outlook:
    """A spec's estimates under one set of learned values."""

    usd: float
    tokens: float
    makespan: float
    speedup: float
    coordination: float
    verdicts: tuple[tuple[str, str], ...]
    """(code, `pass` | `warning` | `error` | `ignored`)."""


@dataclass(frozen=True, slots=True)
class Review:
    folder: Path
    """team.repo: where the learned values and the journal live."""
    spec: str | None
    proposal: Proposal
    before: Outlook | None = None
    after: Outlook | None = None
    note: str = ""
    """Why there is no outlook for the spec, when there is none."""


def review(spec: Path | None, *, use_learned: bool = True) -> Review:
    """Collect, evaluate, extract and propose for the repository of `spec` (or of the current folder)."""
    from rallyc.history import collect
    from rallyc.runner.commands import repo_top

    folder, ctx = _team(spec)
    top = folder if ctx is None else repo_top(folder)[1]  # without a spec, folder is already the top
    current = learned_file(folder).current if use_learned else Learned()
    proposal = propose(collect(top, folder), current)
    if spec is None or ctx is None:
        return Review(folder, None, proposal)
    if not ctx.graph.acyclic:
        return Review(folder, str(spec), proposal, note="the tasks wait on each other in a cycle: no schedule")
    return Review(folder, str(spec), proposal, outlook(spec, current), outlook(spec, proposal.after))


def _team(spec: Path | None) -> tuple[Path, LintContext | None]:
    """The spec's team.repo and the spec built (it must build, and is built once), else the top of the current
    folder's git repository and None."""
    if spec is None:
        from rallyc.runner.commands import repo_top

        return repo_top(Path.cwd())[1], None
    from rallyc.owners import load
    from rallyc.repo import repo_root

    ctx = load(spec)
    return repo_root(spec, ctx.spec.team.repo), ctx


def outlook(spec: Path, learned: Learned) -> Outlook:
    """The spec's estimates and the verdicts `rallyc lint` gives on them, with exactly these learned values."""
    from rallyc.api import context_for, lint_context
    from rallyc.config import settings_for

    settings = settings_for(spec)
    ctx = context_for(spec, str(spec), settings, learned)
    report = lint_context(ctx, replace(settings, select=VERDICT_CODES))
    schedule, cost = ctx.schedule, ctx.cost
    verdicts = tuple((code, _verdict(code, report.diagnostics) if settings.selects(code) else "ignored")
                     for code in VERDICT_CODES)  # fmt: skip
    return Outlook(cost.usd, cost.tokens, schedule.makespan, schedule.speedup, schedule.coordination, verdicts)


def _verdict(code: str, diagnostics: Any) -> str:
    found = {d.severity.value for d in diagnostics if d.code == code}
    return "error" if "error" in found else "warning" if "warning" in found else "pass"


# ---- text ----------------------------------------------------------------------------------


def render_text(found: Review) -> str:
    proposal = found.proposal
    sections = [_headline(proposal.history), *_runs(proposal.history)]
    if proposal.estimates:
        sections.append(_table(proposal.estimates))
    if found.before is not None and found.after is not None and proposal.changes:
        sections.append(_outlook(found))
    elif found.note:
        sections.append(f"No outlook for {found.spec}: {found.note}.")
    return "\n\n".join(sections) + "\n"


def _headline(history: History) -> str:
    skipped = [f"{count} {why}" for count, why in ((history.unfinished, "unfinished (no report, or interrupted)"),
                                                  (history.outdated, "from an older rallyc or with missing fields"),
                                                  (history.newer, "from a newer rallyc"),
                                                  (history.untrue, "not true")) if count]  # fmt: skip
    text = f"rallyc learn: {len(history.runs)} finished run{'s' if len(history.runs) != 1 else ''} in .rally/runs"
    named = "".join(f"\n  skipped {folder}: {why}" for folder, why in history.skipped)
    return text + (f"; skipped {', '.join(skipped)}" if skipped else "") + named


def _runs(history: History) -> list[str]:
    if not history.runs:
        return ["Nothing to learn from yet: `rallyc run` a spec, then come back (3 runs are needed to change anything)."]
    lines = ["Estimate vs actual, latest runs:"]
    for run in history.runs[-SHOWN_RUNS:]:
        lines.append(f"  {run.run_id}  {run.status:<7}  TES {run.tes:.2f} {run.grade}  tokens "
                     f"{format_tokens(run.planned_tokens)} est, {format_tokens(run.actual_tokens)} used"
                     f"{_off(run.planned_tokens, run.actual_tokens)}; time {_time(run.planned_makespan)} est, "
                     f"{_time(run.actual_makespan)} taken{_off(run.planned_makespan, run.actual_makespan)}"
                     + (f"; overrides: {'; '.join(run.overrides)}" if run.overrides else ""))  # fmt: skip
    return ["\n".join(lines)]


def _off(estimate: float, actual: float) -> str:
    return f" ({actual / estimate - 1:+.0%})" if estimate > 0 and actual > 0 else ""


def _time(seconds: float) -> str:
    return f"{seconds:.1f}s" if seconds < 60 else format_duration(seconds)


def _table(estimates: tuple[Estimate, ...]) -> str:
    rows = [("parameter", "runs", "current", "observed (spread)", "proposed")]
    for item in estimates:
        low, high = item.spread
        proposed = f"{item.proposed:g}" if item.proposed is not None else f"-  {item.why_not}"
        rows.append((item.parameter.label, str(len(item.points)), f"{item.current:g}",
                     f"{item.observed:.3g} ({low:.3g}-{high:.3g})", proposed))  # fmt: skip
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    return "\n".join(f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:>{widths[2]}}  {row[3]:<{widths[3]}}  "
                     f"{row[4]}".rstrip() for row in rows)  # fmt: skip


def _outlook(found: Review) -> str:
    before, after = found.before, found.after
    assert before is not None and after is not None
    rows = [("", "now", "with the proposal"),
            ("cost", format_usd(before.usd), format_usd(after.usd)),
            ("tokens", format_tokens(before.tokens), format_tokens(after.tokens)),
            ("makespan", _time(before.makespan), _time(after.makespan)),
            ("speedup", f"{before.speedup:.2f}x", f"{after.speedup:.2f}x"),
            ("coordination", _time(before.coordination), _time(after.coordination))]  # fmt: skip
    rows += [(code, verdict, dict(after.verdicts)[code]) for code, verdict in before.verdicts]
    widths = [max(len(row[column]) for row in rows) for column in range(2)]
    lines = [f"What it changes for {found.spec}:"]
    lines += [f"  {row[0]:<{widths[0]}}  {row[1]:<{widths[1]}}  {row[2]}".rstrip() for row in rows]
    return "\n".join(lines)


def next_step(proposal: Proposal) -> str:
    """What to do with the proposal, for the end of the text."""
    count = len(proposal.changes)
    if not count:
        return "Nothing to change: no parameter has 3 runs that say its value is off by 10% or more."
    if proposal.needs_approval:
        return (f"Nothing written. The runs behind a change have a median grade of {APPROVAL_GRADE} or better: "
                f"`rallyc learn --apply --approve` writes the {count} change(s) (a snapshot first; "
                "`rallyc learn --rollback` undoes them).")  # fmt: skip
    return (f"Nothing written. `rallyc learn --apply` writes the {count} change(s) (a snapshot first; "
            "`rallyc learn --rollback` undoes them).")  # fmt: skip


# ---- JSON ----------------------------------------------------------------------------------


def render_json(found: Review, **outcome: Any) -> dict[str, Any]:
    """The review for tools; `outcome` adds what was done (`applied`, `approval`)."""
    proposal, history = found.proposal, found.proposal.history
    return {
        "spec": found.spec,
        "runs": {"used": len(history.runs), "unfinished": history.unfinished, "outdated": history.outdated,
                 "newer": history.newer, "untrue": history.untrue},  # fmt: skip
        "skipped": [{"run": folder, "why": why} for folder, why in history.skipped],
        "evaluation": [_run_document(run) for run in history.runs],
        "parameters": [_estimate_document(item) for item in proposal.estimates],
        "needs_approval": proposal.needs_approval,
        "outlook": {"now": _outlook_document(found.before), "with_proposal": _outlook_document(found.after)}
        if found.before is not None else None,
        **outcome,
    }


def _run_document(run: RunRecord) -> dict[str, Any]:
    return {
        "run_id": run.run_id, "status": run.status, "runtime": run.runtime, "tes": run.tes, "grade": run.grade,
        "tes_parts": dict(run.parts),
        "estimated_tokens": run.planned_tokens, "tokens": run.actual_tokens,
        "estimated_makespan_seconds": run.planned_makespan, "task_wall_seconds": run.actual_makespan,
        "overrides": list(run.overrides),
        "tasks": [{"id": t.id, "model": t.model, "done": t.done, "estimated_seconds": t.planned_seconds,
                   "seconds": t.actual_seconds, "estimated_tokens": t.planned_tokens, "tokens": t.actual_tokens}
                  for t in run.tasks],
    }  # fmt: skip


def _estimate_document(item: Estimate) -> dict[str, Any]:
    parameter = item.parameter
    low, high = item.spread
    return {
        "parameter": parameter.kind, "model": parameter.model, "runtime": parameter.runtime,
        "label": parameter.label, "runs": len(item.points),
        "data_points": [{"run": point.run, "value": point.value} for point in item.points],
        "current": item.current, "observed": item.observed, "spread": [low, high], "grade": item.grade,
        "proposed": item.proposed, "reason": item.why_not or None, "needs_approval": item.needs_approval,
    }  # fmt: skip


def _outlook_document(found: Outlook | None) -> dict[str, Any] | None:
    if found is None:
        return None
    return {"usd": round(found.usd, 6), "tokens": round(found.tokens), "makespan_seconds": round(found.makespan, 3),
            "speedup": round(found.speedup, 4), "coordination_seconds": round(found.coordination, 3),
            "verdicts": dict(found.verdicts)}  # fmt: skip


# ---- the command ---------------------------------------------------------------------------


def learn(spec: Path | None, *, apply: bool, approve: bool, use_learned: bool, as_json: bool,
          ask: Callable[[str, str], bool] | None) -> tuple[str, int]:  # fmt: skip
    """(what to print, exit code): the review; with `apply`, the changes written when allowed.

    Changes backed by runs graded B or better need `approve`, or a yes from `ask` (on a terminal: it is given
    the review to show and the question); without either nothing is written and the exit code is 1.
    """
    from rallyc.learn import apply as write_changes
    from rallyc.runner.state import now_text

    found = review(spec, use_learned=use_learned)
    proposal = found.proposal
    wanted = apply and bool(proposal.changes)
    asking = ask if wanted and proposal.needs_approval and not approve else None
    approval = "--approve" if approve else _asked(found, asking) if asking else None
    refused = wanted and proposal.needs_approval and approval is None
    written = wanted and not refused
    if written:
        write_changes(found.folder, proposal, approval if proposal.needs_approval else None, now_text())
    code = 1 if refused else 0
    if as_json:
        import json

        return json.dumps(render_json(found, applied=written, approval=approval if written else None), indent=2) + "\n", code
    shown = "" if asking else render_text(found) + "\n"  # asking showed the review already
    return shown + _ending(proposal, apply, written, refused) + "\n", code


def _asked(found: Review, ask: Callable[[str, str], bool]) -> str | None:
    """How the changes were approved on a terminal (the review shown, then the question), or None."""
    question = f"Apply the {len(found.proposal.changes)} change(s) to estimates of runs graded {APPROVAL_GRADE} or better?"
    return "a yes on the terminal" if ask(render_text(found), question) else None


def _ending(proposal: Proposal, apply: bool, written: bool, refused: bool) -> str:
    if written:
        return (f"Applied {len(proposal.changes)} change(s) to {LEARNED_FILE.as_posix()} (the values before are "
                "kept as a snapshot: `rallyc learn --rollback` restores them); recorded in the journal.")  # fmt: skip
    if refused:
        return (f"Nothing written: the runs behind these changes have a median grade of {APPROVAL_GRADE} or better, "
                "and changing a configuration that works needs approval: run again with --approve.")  # fmt: skip
    return next_step(proposal) if not apply or proposal.changes else "Nothing to apply: " + next_step(proposal)


def rollback(spec: Path | None, as_json: bool) -> tuple[str, int]:
    """Restore the last snapshot of the learned values; (what to print, exit code)."""
    from rallyc.learn import rollback as restore
    from rallyc.runner.state import now_text

    folder, _ = _team(spec)
    undone, restored = restore(folder, now_text())
    if as_json:
        import json

        from rallyc.learned import value_document

        doc = {"rolled_back": [value_document(item, points=True) for item in undone.values],
               "restored": [value_document(item, points=True) for item in restored.values]}  # fmt: skip
        return json.dumps(doc, indent=2) + "\n", 0
    now = summary(restored.values) or "no learned values (the spec's own figures)"
    return (f"Rolled back {LEARNED_FILE.as_posix()}: {summary(undone.values) or 'no values'} replaced by {now}; "
            "recorded in the journal.\n", 0)
