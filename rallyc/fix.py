"""`rallyc lint --fix` and `--diff`: apply the fixes findings carry, as small edits of the spec's text.

The file is never re-serialised. A fix replaces one scalar (in its own quoting style) or inserts one
entry or list item beside an existing one, in the file's own flow or block layout and line endings, so
comments, quotes, blank lines and everything else stay byte for byte. Before a fix is kept, the edited
text is loaded and linted again, and it must:

1. load to exactly the old data with the intended change, and nothing else (`_Change.expect`);
2. no longer carry the finding the fix is for;
3. add no error of any rule whose phase the linter had reached before the fix (a fix that unblocks a
   later phase may reveal findings there: those were hidden, not caused). A warning it adds, such as a
   lower speedup (RY205) once a race is ordered, is shown in the report that follows the fixes.

A fix that fails any check is left out and reported with the reason. Fixes are applied one at a time,
earliest place first, re-linting in between, so an `after` added for one race is seen before the next
race is looked at (often ordering later tasks too), and the task graph stays acyclic (the two tasks of
a race are concurrent: neither reaches the other, so an edge between them closes no cycle). A
file with a YAML syntax error (RY001) is never touched; a file with nothing to fix is never written;
a file is written atomically, keeping its mode, its byte order mark and its line endings.
"""

from __future__ import annotations

import difflib
import os
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rallyc import yamledit
from rallyc.api import _merge, _visible, discover, lint_context
from rallyc.config import Settings, settings_for
from rallyc.context import LintContext, LintOptions
from rallyc.diagnostics import Diagnostic, Fix, Severity
from rallyc.errors import RallyError
from rallyc.files import write_atomic
from rallyc.ir import Spec
from rallyc.load import load_text, read_text
from rallyc.rules import rule_by_code
from rallyc.source import Span, YamlPath
from rallyc.units import format_duration

MAX_FIXES = 200
"""Fixes tried per file, at most: each one re-lints the file."""
TIMEOUTS = "timeouts"
"""The opt-in change of `--add-timeouts`, which no finding carries: it is reported under this name."""

_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True, slots=True)
class Applied:
    code: str
    description: str


@dataclass(frozen=True, slots=True)
class Refused:
    code: str
    description: str
    reason: str


@dataclass(frozen=True, slots=True)
class FileFix:
    """One spec: its text before and after fixing, and what was applied or refused."""

    path: Path
    display: str
    original: str
    fixed: str
    applied: tuple[Applied, ...]
    refused: tuple[Refused, ...]

    @property
    def changed(self) -> bool:
        return self.fixed != self.original

    def diff(self) -> str:
        """A unified diff from the file as it is to the file as fixed (empty when nothing changes)."""
        relative = not os.path.isabs(self.display)
        before, after = (f"a/{self.display}", f"b/{self.display}") if relative else (self.display, self.display)
        lines = difflib.unified_diff(_lines(self.original), _lines(self.fixed), before, after)
        return "".join(line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n"
                       for line in lines)  # fmt: skip


def _lines(text: str) -> list[str]:
    return [match.group() for match in re.finditer(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z", text)]


@dataclass(frozen=True, slots=True)
class _Change:
    edits: tuple[yamledit.Edit, ...]
    expect: Callable[[Any], None]
    """Applies the intended change to (a copy of) the data the old text loads to."""


def _path_at(ctx: LintContext, span: Span) -> tuple[YamlPath, bool] | None:
    """The one path whose value (False) or key (True) was written at `span`."""
    assert ctx.document is not None
    found = [(path, False) for path, info in ctx.document.nodes.items() if info.value == span]
    found += [(path, True) for path, info in ctx.document.nodes.items() if info.key == span]
    return found[0] if len(found) == 1 else None


def _at(data: Any, path: YamlPath) -> Any:
    for part in path:
        data = data[part]
    return data


# ---- turning a finding's Fix into a change -------------------------------------------


def _change_for(ctx: LintContext, fix: Fix) -> _Change | str:
    """The text edit and the intended data change for `fix`, or why it cannot be made safely."""
    located = _path_at(ctx, fix.span)
    if located is None:
        return "its place in the file is ambiguous (an alias or merge key?)"
    path, is_key = located
    tree = yamledit.compose(ctx.text)
    entry = yamledit.entry(tree, path)
    if entry is None:
        return "the value comes through an alias or merge key"
    if fix.key is not None:
        return _append_change(ctx.text, tree, path, entry, fix.key, fix.text)
    node = entry[1] if is_key else entry[2]
    source = yamledit.scalar_source(ctx.text, node, fix.text) if node is not None and node.id == "scalar" else None
    if source is None:
        return "the value is written in a style (escapes, several lines) the fixer does not edit"
    if is_key and any(str(k.value) == fix.text for k, _ in entry[0].value):
        return f"the mapping already has a `{fix.text}` key"
    edit = yamledit.Edit(node.start_mark.index, node.end_mark.index, source)
    return _Change((edit,), _renamed(path, fix.text) if is_key else _replaced(path, fix.text))


def _append_change(text: str, tree: Any, path: YamlPath, entry: Any, key: str, item: str) -> _Change | str:
    mapping, anchor_key, anchor_value = entry
    owner = path[:-1]
    existing = yamledit.entry(tree, (*owner, key))
    source = yamledit.item_source(item)
    if existing is None:
        edit = yamledit.insert_entry(text, mapping, (anchor_key, anchor_value), key, f"[{source}]")
    elif existing[2].id == "sequence":
        edit = yamledit.append_item(text, existing[2], source)
    else:
        return f"`{key}` is not a list"
    if edit is None:
        return "the surrounding layout is not one the fixer edits"

    def expect(data: Any) -> None:
        _at(data, owner).setdefault(key, []).append(item)

    return _Change((edit,), expect)


def _renamed(path: YamlPath, new: str) -> Callable[[Any], None]:
    def expect(data: Any) -> None:
        mapping = _at(data, path[:-1])
        mapping[new] = mapping.pop(path[-1])

    return expect


def _replaced(path: YamlPath, value: str) -> Callable[[Any], None]:
    def expect(data: Any) -> None:
        _at(data, path[:-1])[path[-1]] = value

    return expect


def _timeouts_change(ctx: LintContext) -> tuple[_Change, str] | str | None:
    """`timeout: 2 x estimate` written beside every `estimate` that tasks use without a `timeout`.

    No task has a timeout here, neither its own nor from `defaults` (else it would inherit it), so a
    `timeout` added to `defaults` reaches exactly the tasks that also get one of their own in the same
    change, and the tasks that inherit the estimate: every deadline stays what it was.
    """
    tasks = [task for task in ctx.spec.tasks if task.estimate is not None and task.timeout is None]
    if not tasks or ctx.document is None:
        return None
    written = ctx.document.data
    tree = yamledit.compose(ctx.text)
    edits: dict[YamlPath, tuple[yamledit.Edit, str]] = {}
    for task in tasks:
        assert task.estimate is not None
        located = _path_at(ctx, task.estimate.span)
        entry = yamledit.entry(tree, located[0]) if located and not located[1] else None
        if located is None or entry is None:
            return f"the estimate of `{task.id}` comes through an alias or merge key"
        if located[0] not in edits:
            value = format_duration(2 * task.estimate.amount)
            edit = yamledit.insert_entry(ctx.text, entry[0], (entry[1], entry[2]), "timeout", value)
            if edit is None:
                return "the layout around an `estimate` is not one the fixer edits"
            edits[located[0]] = (edit, value)

    def expect(data: Any) -> None:
        for path, (_, value) in edits.items():
            _at(data, path[:-1])["timeout"] = value

    where = {path: "defaults" if path[0] == "defaults" else f"`{_at(written, path[:-1])['id']}`"
             for path in edits}  # fmt: skip
    places = sorted(edits, key=lambda path: path[0] != "defaults")  # defaults first, then tasks in spec order
    shown = "; ".join(f"`timeout: {edits[path][1]}` in {where[path]}" for path in places)
    return _Change(tuple(edit for edit, _ in edits.values()), expect), f"{shown} (2 x estimate, as before)"


# ---- checking a change -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _State:
    text: str
    ctx: LintContext
    findings: tuple[Diagnostic, ...]
    """Every finding, info included, not suppressed: what the checks compare."""
    phases: tuple[str, ...]
    """The phases the linter reached: an error in a later one is not the change's doing."""


def _lint(path: Path, display: str, text: str, settings: Settings) -> _State:
    options = LintOptions(repo=settings.repo, max_file_bytes=settings.max_file_bytes)
    everything = Settings(show_info=True, repo=settings.repo, max_file_bytes=settings.max_file_bytes)
    ctx = LintContext(path, display, options, text=text)
    report = lint_context(ctx, everything)
    return _State(text, ctx, report.diagnostics, report.phases)


def _check(before: _State, after_text: str, change: _Change, target: Diagnostic | None) -> _State | str:
    """The state after the change, or why the change is refused (the module docstring's three checks)."""
    try:
        loaded = load_text(after_text, before.ctx.file)
    except RallyError:
        return "the edit would break the YAML"
    expected = load_text(before.text, before.ctx.file)  # a fresh copy of the data to change as intended
    change.expect(expected.data)
    if loaded.data != expected.data or len(loaded.duplicates) > len(expected.duplicates):
        return "the edit would change more than intended"
    after = _lint(before.ctx.path, before.ctx.file, after_text, _settings_of(before))
    if target is not None:
        if not (_instances(before) - _instances(after))[(target.code, target.message)]:
            return "the finding would remain"
    added = _added(before, after)
    return f"it would add {', '.join(added)}" if added else after


def _instances(state: _State) -> Counter[tuple[str, str]]:
    return Counter((d.code, d.message) for d in state.findings)


def _added(before: _State, after: _State) -> list[str]:
    """Codes with more errors after than before, in phases the linter reached before."""

    def counted(state: _State) -> Counter[str]:
        return Counter(d.code for d in state.findings if d.severity is Severity.ERROR)

    grown = counted(after) - counted(before)
    return sorted(code for code in grown if (rule := rule_by_code(code)) is not None and rule.phase in before.phases)


def _settings_of(state: _State) -> Settings:
    options = state.ctx.options
    return Settings(repo=options.repo, max_file_bytes=options.max_file_bytes)


# ---- the fixing loop ---------------------------------------------------------------------


def fix_text(path: Path, display: str, text: str, settings: Settings, *, add_timeouts: bool = False) -> FileFix:
    """Apply every fix that passes the checks to `text` (the content of `path`); nothing is written.

    After each fix applied, the fixes refused so far are tried again: the spec changed under them (a
    misspelled `reads` of a teammate may race until the one of its task is fixed too). A refusal is
    reported only while its finding remains.
    """
    state = _lint(path, display, text, settings)
    if state.ctx.load_error is not None or state.ctx.document is None or state.ctx.document.data is None:
        return FileFix(path, display, text, text, (), ())  # RY001: never touched
    applied: list[Applied] = []
    refused: dict[tuple[str, str, str], Refused] = {}
    tried: set[tuple[str, str, str]] = set()
    for _ in range(MAX_FIXES):
        candidates = [d for d in state.findings if d.fix and _visible(d, settings) and _key(d) not in tried]
        target = min(candidates, key=_placer(state, candidates), default=None)
        if target is None or target.fix is None:
            break
        tried.add(_key(target))
        outcome = _attempt(state, target, target.fix)
        if isinstance(outcome, _State):
            state, tried = outcome, set()
            applied.append(Applied(target.code, target.fix.description))
        else:
            refused[_key(target)] = Refused(target.code, target.fix.description, outcome)
    remaining = {_key(d) for d in state.findings}
    still = [refusal for key, refusal in refused.items() if key in remaining]
    if add_timeouts:
        state = _add_timeouts(state, applied, still)
    return FileFix(path, display, text, state.text, tuple(applied), tuple(still))


def _attempt(state: _State, target: Diagnostic, fix: Fix) -> _State | str:
    change = _change_for(state.ctx, fix)
    if isinstance(change, str):
        return change
    return _check(state, yamledit.apply(state.text, change.edits), change, target)


def _placer(state: _State, candidates: list[Diagnostic]) -> Callable[[Diagnostic], tuple[int, int, str, int, str]]:
    """Fixes in the order of their places (for a race: the reading task), so that earlier tasks are
    ordered first; for one reader, the writer latest in the task graph first, as waiting for it often
    means waiting for the others too (the earlier tasks of the same teammate)."""
    order: dict[str, int] = {}
    if any(d.fix and d.fix.key == "after" for d in candidates) and state.ctx.graph.order is not None:
        order = {state.ctx.graph.tasks[node].id: rank for rank, node in enumerate(state.ctx.graph.order)}

    def place(diagnostic: Diagnostic) -> tuple[int, int, str, int, str]:
        fix = diagnostic.fix
        assert fix is not None
        later_first = -order.get(fix.text, 0) if fix.key == "after" else 0
        return (fix.span.line, fix.span.column, diagnostic.code, later_first, diagnostic.message)

    return place


def _key(diagnostic: Diagnostic) -> tuple[str, str, str]:
    return (diagnostic.code, diagnostic.message, diagnostic.fix.description if diagnostic.fix else "")


def _add_timeouts(state: _State, applied: list[Applied], refused: list[Refused]) -> _State:
    if any(d.code.startswith("RY0") and d.severity is Severity.ERROR for d in state.findings):
        refused.append(Refused(TIMEOUTS, "timeout: 2 x estimate", "the spec has structure errors (RY0) to fix first"))
        return state
    planned = _timeouts_change(state.ctx)
    if planned is None:
        return state
    if isinstance(planned, str):
        refused.append(Refused(TIMEOUTS, "timeout: 2 x estimate", planned))
        return state
    change, description = planned
    outcome = _check(state, yamledit.apply(state.text, change.edits), change, None)
    if isinstance(outcome, _State) and _same_deadlines(state.ctx.spec, outcome.ctx.spec):
        if not _instances(outcome) - _instances(state):
            applied.append(Applied(TIMEOUTS, description))
            return outcome
        outcome = "it would change what the linter reports"
    refused.append(Refused(TIMEOUTS, description, outcome if isinstance(outcome, str) else "deadlines would change"))
    return state


def _same_deadlines(before: Spec, after: Spec) -> bool:
    pairs = zip(before.tasks, after.tasks, strict=True)
    return all(a.timeout_seconds == b.timeout_seconds and a.duration_seconds == b.duration_seconds for a, b in pairs)


# ---- files -----------------------------------------------------------------------------------


def fix_paths(
    paths: Sequence[str], overrides: Settings | None = None, *, use_config: bool = True, add_timeouts: bool = False
) -> list[FileFix]:
    """The fixes for every spec `rallyc lint PATHS` would check; files it cannot read are left to lint to report.

    Each file on its own, as in `api.lint`: an unusable spec does not stop the fixes of the others.
    """
    results: list[FileFix] = []
    for given in paths:
        try:
            for path, display in discover([given]):
                try:
                    settings = _merge(settings_for(path) if use_config else Settings(), overrides)
                    text = read_text(path, display, settings.max_file_bytes)
                    results.append(fix_text(path, display, text, settings, add_timeouts=add_timeouts))
                except RallyError:
                    continue
        except RallyError:
            continue
    return results


def write_fixed(result: FileFix) -> bool:
    """Write the fixed text over the file, atomically, unless the file changed since it was read.

    The file keeps its mode and byte order mark; a symbolic link keeps pointing where it did.
    """
    target = result.path.resolve()
    raw = target.read_bytes()
    bom = _BOM if raw.startswith(_BOM) else b""
    if raw[len(bom) :].decode("utf-8") != result.original:
        return False
    write_atomic(target, bom.decode("utf-8") + result.fixed)  # keeps the mode; newline="" keeps line endings
    return True
