"""Findings, their severities and order, and suppression comments."""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable
from dataclasses import dataclass

from rallyc.source import Span


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True, slots=True)
class Related:
    """A second place involved in a finding."""

    span: Span
    message: str


@dataclass(frozen=True, slots=True)
class Fix:
    """A change that resolves a finding; `rallyc lint --fix` (rallyc/fix.py) turns it into a text edit.

    `span` is the span of a key or value as the document recorded it (rules never compute positions).
    Without `key`, that scalar becomes `text`, written in the same style. With `key`, `span` is a value
    in a mapping and `text` is added to the list under `key` in that mapping (created when missing).
    """

    span: Span
    text: str
    description: str
    key: str | None = None


@dataclass(frozen=True, slots=True)
class Finding:
    """What a rule reports; the engine adds the rule's code, name and severity."""

    span: Span
    message: str
    hint: str | None = None
    related: tuple[Related, ...] = ()
    severity: Severity | None = None
    """Set only by rules whose severity depends on the case (RY301, RY402, RY405)."""
    blocking: bool = True
    """An error that stops later phases; an unknown or repeated key does not, as the spec reads the same without it."""
    fix: Fix | None = None
    """A change that resolves the finding and cannot make the spec worse, when there is one."""
    code: str | None = None
    """Reported under another rule's code: a plan rule whose glob question is too complex to answer
    within the step budget reports RY004 at the glob (`too_complex`)."""


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    name: str
    severity: Severity
    message: str
    span: Span
    hint: str | None = None
    related: tuple[Related, ...] = ()
    fix: Fix | None = None

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        return (self.span.file, self.span.line, self.span.column, self.code, self.message)


_SUPPRESSION = re.compile(r"(?:^|\s)#\s*rallyc:\s*ignore\[([A-Za-z0-9_,\s]+)\]")


def suppressions(text: str) -> dict[int, frozenset[str]]:
    """Line -> codes silenced there: a comment covers its own line, and the next when it stands alone."""
    silenced: dict[int, set[str]] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _SUPPRESSION.search(line)
        if not match:
            continue
        codes = {code.strip().upper() for code in match.group(1).split(",") if code.strip()}
        silenced.setdefault(number, set()).update(codes)
        if line.lstrip().startswith("#"):
            silenced.setdefault(number + 1, set()).update(codes)
    return {line: frozenset(codes) for line, codes in silenced.items()}


def is_suppressed(diagnostic: Diagnostic, silenced: dict[int, frozenset[str]]) -> bool:
    return diagnostic.code in silenced.get(diagnostic.span.line, frozenset())


def count_by_severity(diagnostics: Iterable[Diagnostic]) -> dict[str, int]:
    counts = {severity.value: 0 for severity in Severity}
    for diagnostic in diagnostics:
        counts[diagnostic.severity.value] += 1
    return counts


def closest(word: str, options: Iterable[str], cutoff: float = 0.6) -> str | None:
    """The option most like `word` (for a "did you mean"), or None; difflib is imported only when asked."""
    import difflib

    found = difflib.get_close_matches(word, list(options), n=1, cutoff=cutoff)
    return found[0] if found else None
