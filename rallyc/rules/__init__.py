"""The lint rules: one module per rule, found by walking this folder.

A rule module has `code`, `name`, `severity`, optionally `phase` and `blocks`, a docstring
(a one-line summary, then `## What it does`, `## Why it matters`, `## Example`,
`## Instead`) and `check(ctx)` yielding `Finding`s.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from rallyc.diagnostics import Finding, Severity

if TYPE_CHECKING:
    from rallyc.context import LintContext

PHASES = ("file", "document", "spec", "plan")
"""Each phase runs only when the ones before it found no error: plan rules need a well-formed spec."""

DOC_SECTIONS = ("What it does", "Why it matters", "Example", "Instead")
_MODULE_NAME = re.compile(r"ry\d{3}_[a-z0-9_]+\Z")


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

    @property
    def help_uri(self) -> str:
        return f"https://rallyc.dev/rules/{self.code}"


@cache
def all_rules() -> tuple[Rule, ...]:
    rules = [_rule(info.name) for info in pkgutil.iter_modules(__path__) if _MODULE_NAME.match(info.name)]
    return tuple(sorted(rules, key=lambda rule: rule.code))


def _rule(module_name: str) -> Rule:
    module = importlib.import_module(f"{__name__}.{module_name}")
    summary, _, doc = (module.__doc__ or "").strip().partition("\n")
    return Rule(
        code=module.code,
        name=module.name,
        severity=module.severity,
        phase=getattr(module, "phase", "plan"),
        blocks=getattr(module, "blocks", getattr(module, "phase", "plan") != "plan"),
        summary=summary.strip(),
        doc=doc.strip(),
        check=module.check,
        module=module_name,
    )


@cache
def known_codes() -> tuple[str, ...]:
    """Every rule's code, from the module names alone (no rule is imported: `--select` is checked at start-up)."""
    return tuple(sorted(info.name[:5].upper() for info in pkgutil.iter_modules(__path__) if _MODULE_NAME.match(info.name)))


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
    runs: list[list[str]] = []
    previous_in = False
    for rule in all_rules():
        inside = rule.phase in phases
        if inside and previous_in:
            runs[-1].append(rule.code)
        elif inside:
            runs.append([rule.code])
        previous_in = inside
    return ", ".join(run[0] if len(run) == 1 else f"{run[0]}-{run[-1]}" for run in runs)
