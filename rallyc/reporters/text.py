"""`path:line:col: severity CODE[name] message`, a caret snippet on a terminal, a summary line."""

from __future__ import annotations

from collections.abc import Callable

from rallyc.api import LintReport
from rallyc.diagnostics import Diagnostic, Severity, count_by_severity

Paint = Callable[[str, str], str]

_COLOURS = {Severity.ERROR: "31", Severity.WARNING: "33", Severity.INFO: "36"}


def render(report: LintReport, *, colour: bool = False, snippets: bool = False) -> str:
    paint = _painter(colour)
    texts = {file.file: file.text for file in report.files}
    lines: list[str] = []
    for diagnostic in report.diagnostics:
        lines.extend(_diagnostic(diagnostic, paint, texts.get(diagnostic.span.file, "") if snippets else ""))
    for failure in report.failures:
        lines.append(f"{paint('1;31', 'error')}: {failure}")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"


def _painter(colour: bool) -> Paint:
    def paint(code: str, text: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if colour else text

    return paint


def _diagnostic(diagnostic: Diagnostic, paint: Paint, text: str) -> list[str]:
    span = diagnostic.span
    where = paint("1", f"{span.file}:{span.line}:{span.column}:")
    severity = paint(_COLOURS[diagnostic.severity], diagnostic.severity.value)
    lines = [f"{where} {severity} {diagnostic.code}[{diagnostic.name}] {diagnostic.message}"]
    if text:
        lines.extend(_snippet(diagnostic, text, paint))
    if diagnostic.hint:
        lines.append(f"    {paint('32', 'hint')}: {diagnostic.hint}")
    for related in diagnostic.related:
        place = f"{related.span.file}:{related.span.line}:{related.span.column}"
        lines.append(f"    related: {place}: {related.message}")
    return lines


def _snippet(diagnostic: Diagnostic, text: str, paint: Paint) -> list[str]:
    span = diagnostic.span
    source = text.splitlines()
    if not 1 <= span.line <= len(source):
        return []
    line = source[span.line - 1].expandtabs(1)
    width = span.end_column - span.column if span.end_line == span.line else len(line) - span.column + 1
    gutter = f"{span.line:>5} | "
    carets = paint(_COLOURS[diagnostic.severity], "^" * max(width, 1))
    return [f"{gutter}{line}", " " * (len(gutter) - 2) + "| " + " " * (span.column - 1) + carets]


def summary(report: LintReport) -> str:
    counts = count_by_severity(report.diagnostics)
    files = len(report.files) + len(report.failures)
    parts = [f"{counts[s.value]} {s.value}{'s' if counts[s.value] != 1 and s is not Severity.INFO else ''}" for s in Severity]
    if report.hidden:  # "0 info" would hide that there is advice to see
        parts[-1] = f"{report.hidden} info hidden" if not counts["info"] else f"{parts[-1]}, {report.hidden} info hidden"
    suppressed = f", {report.suppressed} suppressed" if report.suppressed else ""
    unusable = f", {len(report.failures)} unusable" if report.failures else ""
    return f"{', '.join(parts)} in {files} file{'s' if files != 1 else ''}{unusable}{suppressed}"
