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

A fix that fails any check is left out and reported with the reason. Fixes are applied as if one at a
time, earliest place first, re-linting in between, so an `after` added for one race is seen before the
next race is looked at (often ordering later tasks too), and the task graph stays acyclic (the two tasks
of a race are concurrent: neither reaches the other, so an edge between them closes no cycle). "As if":
where a model can follow the fixes (`after` entries on the task graph, globs replaced one scalar at a
time), a round applies many and one lint confirms them (`rallyc.fix.rounds`); the result is the same.
A file with a YAML syntax error (RY001) is never touched; a file with nothing to fix is never written;
a file is written atomically, keeping its mode, its byte order mark and its line endings.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rallyc import yamledit
from rallyc.api import SpecFile, spec_files
from rallyc.config import Settings
from rallyc.diagnostics import Diagnostic, Fix
from rallyc.errors import RallyError
from rallyc.files import write_atomic
from rallyc.fix import rounds
from rallyc.fix.changes import change_for, timeouts_change
from rallyc.fix.state import Key, State, check, fixable, graph_of, instances, key, lint_state, placer
from rallyc.ir import Spec
from rallyc.load import read_text

MAX_FIXES = 200
"""Fixes tried per file, at most, whether in rounds or one at a time."""
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


# ---- the fixing loop ---------------------------------------------------------------------


@dataclass(slots=True)
class _Loop:
    """The one-at-a-time loop's state: where the text is, what was applied, refused and tried since."""

    state: State
    applied: list[Applied]
    refused: dict[Key, Refused]
    tried: set[Key]
    attempts: int = 0


def fix_text(
    path: Path, display: str, text: str, settings: Settings, *, add_timeouts: bool = False, in_rounds: bool = True
) -> FileFix:
    """Apply every fix that passes the checks to `text` (the content of `path`); nothing is written.

    After each fix applied, the fixes refused so far are tried again: the spec changed under them (a
    misspelled `reads` of a teammate may race until the one of its task is fixed too). A refusal is
    reported only while its finding remains. `in_rounds=False` takes every fix on its own (what
    rounds must agree with).
    """
    state = lint_state(path, display, text, settings)
    if state.ctx.load_error is not None or state.ctx.document is None or state.ctx.document.data is None:
        return FileFix(path, display, text, text, (), ())  # RY001: never touched
    loop = _Loop(state, [], {}, set())
    while loop.attempts < MAX_FIXES:
        if not (in_rounds and _round(loop, settings)) and not _one(loop, settings):
            break
    remaining = {key(d) for d in loop.state.findings}
    still = [refusal for found, refusal in loop.refused.items() if found in remaining]
    if add_timeouts:
        loop.state = _add_timeouts(loop.state, loop.applied, still)
    return FileFix(path, display, text, loop.state.text, tuple(loop.applied), tuple(still))


def _round(loop: _Loop, settings: Settings) -> bool:
    """Apply the next round of fixes the model predicts, when one lint confirms them; False otherwise."""
    planned = rounds.predict(loop.state, settings, loop.tried, MAX_FIXES - loop.attempts)
    confirmed = rounds.confirm(loop.state, planned, settings) if planned else None
    if planned is None or confirmed is None:
        return False
    loop.state, loop.tried = confirmed, set()
    loop.attempts += len(planned.steps)
    loop.applied.extend(Applied(step.code, step.fix.description) for step in planned.steps if step.fix)
    return True


def _one(loop: _Loop, settings: Settings) -> bool:
    """Try the next fix on its own; False when none is left to try."""
    candidates = [d for d in fixable(loop.state, settings) if key(d) not in loop.tried]
    target = min(candidates, key=placer(graph_of(loop.state), candidates), default=None)
    if target is None or target.fix is None:
        return False
    loop.attempts += 1
    loop.tried.add(key(target))
    outcome = _attempt(loop.state, target, target.fix)
    if isinstance(outcome, State):
        loop.state, loop.tried = outcome, set()
        loop.applied.append(Applied(target.code, target.fix.description))
    else:
        loop.refused[key(target)] = Refused(target.code, target.fix.description, outcome)
    return True


def _attempt(state: State, target: Diagnostic, fix: Fix) -> State | str:
    change = change_for(state.ctx, fix)
    if isinstance(change, str):
        return change
    return check(state, yamledit.apply(state.text, change.edits), change, target)


def _add_timeouts(state: State, applied: list[Applied], refused: list[Refused]) -> State:
    if state.blocker is not None:
        refused.append(Refused(TIMEOUTS, "timeout: 2 x estimate", state.blocker.blocks("--add-timeouts")))
        return state
    if not state.checked:  # a blocking error stopped the linter before the plan checks: the spec does not build
        refused.append(Refused(TIMEOUTS, "timeout: 2 x estimate", "the spec has structure errors (RY0) to fix first"))
        return state
    planned = timeouts_change(state.ctx)
    if planned is None:
        return state
    if isinstance(planned, str):
        refused.append(Refused(TIMEOUTS, "timeout: 2 x estimate", planned))
        return state
    change, description = planned
    outcome = check(state, yamledit.apply(state.text, change.edits), change, None)
    if isinstance(outcome, State) and _same_deadlines(state.ctx.spec, outcome.ctx.spec):
        if not instances(outcome) - instances(state):
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
    """The fixes for every spec `rallyc lint PATHS` checks (`api.spec_files`); a spec that cannot be read or
    linted is left to lint to report, and does not stop the fixes of the others."""
    results: list[FileFix] = []
    for spec in spec_files(paths, overrides, use_config=use_config):
        if isinstance(spec, SpecFile):
            try:
                text = read_text(spec.path, spec.display, spec.settings.max_file_bytes)
                results.append(fix_text(spec.path, spec.display, text, spec.settings, add_timeouts=add_timeouts))
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
