"""`--format github`: workflow commands that GitHub Actions turns into annotations."""

from __future__ import annotations

from rallyc.api import LintReport
from rallyc.diagnostics import Severity
from rallyc.reporters.text import summary

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render(report: LintReport) -> str:
    lines = []
    for d in report.diagnostics:
        span = d.span
        fields = (
            f"file={_property(span.file)},line={span.line},col={span.column},"
            f"endLine={span.end_line},endColumn={span.end_column},title={_property(f'{d.code} {d.name}')}"
        )
        message = d.message + (f"\n{d.hint}" if d.hint else "")
        lines.append(f"::{_LEVELS[d.severity]} {fields}::{_data(message)}")
    for failure in report.failures:
        lines.append(f"::error::{_data(str(failure))}")
    lines.append(summary(report))
    return "\n".join(lines) + "\n"
