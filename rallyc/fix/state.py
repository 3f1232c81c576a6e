"""What the fixing loop moves through: a text and its lint, the order fixes are taken in, the checks a change passes."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rallyc.analysis.graph import TaskGraph
from rallyc.api import Blocker, context_for, lint_context, visible
from rallyc.config import Settings
from rallyc.context import LintContext
from rallyc.diagnostics import Diagnostic, Severity
from rallyc.errors import RallyError
from rallyc.fix.changes import Change
from rallyc.load import Document, load_text
from rallyc.rules import PHASES, rule_by_code

Key = tuple[str, str, str]
"""A finding as the loop tells fixes apart: code, message, and what its fix does."""


@dataclass(frozen=True, slots=True)
class State:
    text: str
    ctx: LintContext
    findings: tuple[Diagnostic, ...]
    """Every finding, info included, not suppressed: what the checks compare."""
    phases: tuple[str, ...]
    """The phases the linter reached: an error in a later one is not the change's doing."""
    blocker: Blocker | None
    """A hidden error that leaves the spec unusable (a suppressed structure error or cycle)."""

    @property
    def checked(self) -> bool:
        """Every phase ran: no blocking structure error, shown or suppressed, kept the plan checks from the spec."""
        return self.phases == PHASES


def lint_state(path: Path, display: str, text: str, settings: Settings, before: State | None = None) -> State:
    """`text` linted as `path`; `before`, the state it was edited from, lends what it read of the repository."""
    everything = Settings(show_info=True, repo=settings.repo, max_file_bytes=settings.max_file_bytes,
                          learned=settings.learned)  # fmt: skip
    ctx = context_for(path, display, everything, text=text)
    if before is not None:
        ctx.reuse_repository(before.ctx)
    report = lint_context(ctx, everything)
    return State(text, ctx, report.diagnostics, report.phases, report.blocker)


def graph_of(state: State) -> TaskGraph | None:
    """The task graph, once the plan checks ran on it (the fixes that order tasks come from those)."""
    return state.ctx.graph if state.checked else None


def fixable(state: State, settings: Settings) -> list[Diagnostic]:
    """The findings with a fix that the report under `settings` shows: the ones the loop may fix."""
    return [d for d in state.findings if d.fix and visible(d, settings)]


def key(diagnostic: Diagnostic) -> Key:
    return (diagnostic.code, diagnostic.message, diagnostic.fix.description if diagnostic.fix else "")


def placer(graph: TaskGraph | None, candidates: Sequence[Diagnostic]) -> Callable[[Diagnostic], tuple[int, int, str, int, str]]:
    """Fixes in the order of their places (for a race: the reading task), so that earlier tasks are
    ordered first; for one reader, the writer latest in the task graph first, as waiting for it often
    means waiting for the others too (the earlier tasks of the same teammate)."""
    order: dict[str, int] = {}
    if any(d.fix and d.fix.key == "after" for d in candidates) and graph is not None and graph.order is not None:
        order = {graph.tasks[node].id: rank for rank, node in enumerate(graph.order)}

    def place(diagnostic: Diagnostic) -> tuple[int, int, str, int, str]:
        fix = diagnostic.fix
        assert fix is not None
        later_first = -order.get(fix.text, 0) if fix.key == "after" else 0
        return (fix.span.line, fix.span.column, diagnostic.code, later_first, diagnostic.message)

    return place


def loads_as_intended(before: State, after_text: str, change: Change) -> str | None:
    """Why the edited text is not the old data with the intended change (and nothing else), or None."""
    try:
        loaded = load_text(after_text, before.ctx.file)
    except RallyError:
        return "the edit would break the YAML"
    expected = load_text(before.text, before.ctx.file)  # a fresh copy of the data to change as intended
    change.expect(expected.data)
    return None if _same(loaded, expected) else "the edit would change more than intended"


def _same(loaded: Document, expected: Document) -> bool:
    return loaded.data == expected.data and len(loaded.duplicates) <= len(expected.duplicates)


def check(before: State, after_text: str, change: Change, target: Diagnostic | None) -> State | str:
    """The state after the change, or why the change is refused (the package docstring's three checks)."""
    problem = loads_as_intended(before, after_text, change)
    if problem:
        return problem
    after = lint_state(before.ctx.path, before.ctx.file, after_text, settings_of(before), before)
    if target is not None:
        if not (instances(before) - instances(after))[(target.code, target.message)]:
            return "the finding would remain"
    grown = added(before, after)
    return f"it would add {', '.join(grown)}" if grown else after


def instances(state: State) -> Counter[tuple[str, str]]:
    return Counter((d.code, d.message) for d in state.findings)


def errors(state: State) -> Counter[str]:
    return Counter(d.code for d in state.findings if d.severity is Severity.ERROR)


def added(before: State, after: State) -> list[str]:
    """Codes with more errors after than before, in phases the linter reached before."""
    grown = errors(after) - errors(before)
    return sorted(code for code in grown if in_phases(code, before.phases))


def in_phases(code: str, phases: Sequence[str]) -> bool:
    """Whether the rule `code` names checks in one of `phases`."""
    rule = rule_by_code(code)
    return rule is not None and rule.phase in phases


def settings_of(state: State) -> Settings:
    options = state.ctx.options
    return Settings(repo=options.repo, max_file_bytes=options.max_file_bytes, learned=options.learned)
