"""The lint rules: one module per rule, found by walking this folder.

A rule module has `code`, `name`, `severity`, optionally `phase` (one of `PHASES`, `plan` when
left out), `blocks` and `requires` (names of `PRECONDITIONS`: the rule is skipped while one fails),
a docstring (a one-line summary, then `## What it does`, `## Why it matters`, `## Example`,
`## Instead`) and `check(ctx)` yielding `Finding`s. The docs of a rule that reports a failing
precondition say `{skipped}` where the rules skipped meanwhile are to be listed.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import cache
from types import ModuleType
from typing import TYPE_CHECKING

from rallyc.diagnostics import Finding, Severity

if TYPE_CHECKING:
    from rallyc.context import LintContext

PHASES = ("file", "document", "spec", "plan")
"""Each phase runs only when the ones before it found no error: plan rules need a well-formed spec."""

DOC_SECTIONS = ("What it does", "Why it matters", "Example", "Instead")
SKIPPED = "{skipped}"
_MODULE_NAME = re.compile(r"ry\d{3}_[a-z0-9_]+\Z")


@dataclass(frozen=True, slots=True)
class Precondition:
    """What some plan rules need of the spec before their findings mean anything."""

    reported_by: str
    """The rule whose finding says it fails: the others are skipped, so the spec gets one finding, not many."""
    holds: Callable[[LintContext], bool]


PRECONDITIONS: dict[str, Precondition] = {
    "acyclic": Precondition("RY203", lambda ctx: ctx.graph.acyclic),
}
"""By the names rules' `requires` use. `acyclic`: a cycle leaves no order, so no schedule, race or cost to judge."""


@dataclass(frozen=True, slots=True)
class Rule:
    code: str
    name: str
    severity: Severity
    phase: str
    blocks: bool
    """Its errors leave the tree unusable for what comes after its phase: later phases, compile and run.
    Structure rules block by default; a plan rule only when it says so (a cycle leaves no schedule)."""
    summary: str
    doc: str
    check: Callable[[LintContext], Iterable[Finding]]
    module: str
    requires: frozenset[str] = frozenset()
    """The `PRECONDITIONS` the rule needs: while one fails it is skipped."""

    @property
    def help_uri(self) -> str:
        return f"https://rallyc.dev/rules/{self.code}"


@cache
def _module_names() -> tuple[str, ...]:
    """The rule modules' names (`ry101_ownership_overlap`), from one listing of this folder: none imported."""
    return tuple(info.name for info in pkgutil.iter_modules(__path__) if _MODULE_NAME.match(info.name))


@cache
def all_rules() -> tuple[Rule, ...]:
    modules = _module_names()
    rules = sorted((rule_of(importlib.import_module(f"{__name__}.{name}")) for name in modules), key=lambda r: r.code)
    return tuple(_listing_skipped(rule, rules) for rule in rules)


def rule_of(module: ModuleType) -> Rule:
    """The rule a module declares; ValueError when a declaration would silently change what it checks."""
    summary, _, doc = (module.__doc__ or "").strip().partition("\n")
    phase = getattr(module, "phase", "plan")
    requires: object = getattr(module, "requires", frozenset())
    where = f"{module.__file__ or module.__name__}: "
    if phase not in PHASES:
        raise ValueError(f"{where}`phase = {phase!r}` is none of {', '.join(PHASES)}: the rule would never run")
    if not isinstance(requires, (set, frozenset)) or not requires <= PRECONDITIONS.keys():
        known = ", ".join(repr(name) for name in PRECONDITIONS)
        raise ValueError(f"{where}`requires = {requires!r}` is not a set of preconditions among {known}")
    return Rule(
        code=module.code,
        name=module.name,
        severity=module.severity,
        phase=phase,
        blocks=getattr(module, "blocks", phase != "plan"),
        summary=summary.strip(),
        doc=doc.strip(),
        check=module.check,
        module=module.__name__.rpartition(".")[2],
        requires=frozenset(requires),
    )


def _listing_skipped(rule: Rule, rules: list[Rule]) -> Rule:
    """The rule with `{skipped}` in its docs replaced by the rules skipped while a precondition it reports fails."""
    reported = {name for name, precondition in PRECONDITIONS.items() if precondition.reported_by == rule.code}
    if not reported:
        return rule
    return replace(rule, doc=rule.doc.replace(SKIPPED, _runs(rules, lambda other: bool(other.requires & reported))))


@cache
def known_codes() -> tuple[str, ...]:
    """Every rule's code, from the module names alone (no rule is imported: `--select` is checked at start-up)."""
    return tuple(sorted(name[:5].upper() for name in _module_names()))


def unknown_selector(selector: str) -> str | None:
    """Why `selector` (a code like RY101 or a prefix like RY1) selects no rule, with a did-you-mean; None if it does."""
    from rallyc.diagnostics import closest

    codes = known_codes()
    if any(code.startswith(selector.upper()) for code in codes):
        return None
    near = closest(selector.upper(), codes, cutoff=0.8)
    hint = f"; did you mean `{near}`?" if near else ""
    return f"`{selector}` is no rule code or prefix of one{hint} (`rallyc rules` lists them)"


def rule_by_code(code: str) -> Rule | None:
    return next((rule for rule in all_rules() if rule.code == code.upper()), None)


def codes_in(phases: tuple[str, ...]) -> str:
    """The codes of the rules in `phases` as runs of consecutive codes: `RY004-RY006, RY101-RY405`."""
    return _runs(all_rules(), lambda rule: rule.phase in phases)


def _runs(rules: Iterable[Rule], inside: Callable[[Rule], bool]) -> str:
    """The codes of the rules `inside` picks, a run of three or more consecutive ones as `first-last`."""
    runs: list[list[str]] = []
    previous_in = False
    for rule in rules:
        now_in = inside(rule)
        if now_in and previous_in:
            runs[-1].append(rule.code)
        elif now_in:
            runs.append([rule.code])
        previous_in = now_in
    return ", ".join(f"{run[0]}-{run[-1]}" if len(run) > 2 else ", ".join(run) for run in runs)
