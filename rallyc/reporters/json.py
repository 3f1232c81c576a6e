"""`--format json`: one object, in the documented output contract (docs/rules.md, "Output formats")."""

from __future__ import annotations

import json
from typing import Any

from rallyc.api import LintReport
from rallyc.diagnostics import Diagnostic, count_by_severity


def render(report: LintReport) -> str:
    summary: dict[str, Any] = count_by_severity(report.diagnostics)
    summary["files"] = len(report.files) + len(report.failures)
    summary["suppressed"] = report.suppressed
    summary["hidden"] = report.hidden
    document = {
        "version": 1,
        "diagnostics": [diagnostic_object(d) for d in report.diagnostics],
        "summary": summary,
        "failures": [{"message": str(failure)} for failure in report.failures],
    }
    return json.dumps(document, indent=2) + "\n"


def diagnostic_object(diagnostic: Diagnostic) -> dict[str, Any]:
    span = diagnostic.span
    return {
        "code": diagnostic.code,
        "name": diagnostic.name,
        "severity": diagnostic.severity.value,
        "message": diagnostic.message,
        "file": span.file,
        "line": span.line,
        "column": span.column,
        "end_line": span.end_line,
        "end_column": span.end_column,
        "hint": diagnostic.hint,
        "related": [
            {"file": r.span.file, "line": r.span.line, "column": r.span.column, "message": r.message}
            for r in diagnostic.related
        ],
    }
