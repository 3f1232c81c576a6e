"""`--format sarif`: SARIF 2.1.0 for code scanning, with relative URIs and rule metadata."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from rallyc import __version__
from rallyc.api import LintReport
from rallyc.diagnostics import Diagnostic, Severity
from rallyc.rules import Rule, rule_by_code

_LEVELS = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(report: LintReport, root: Path | None = None) -> str:
    root = (root or Path.cwd()).resolve()
    rules = _fired_rules(report)
    index = {rule.code: number for number, rule in enumerate(rules)}
    texts = {file.file: file.text.splitlines() for file in report.files}
    seen: dict[str, int] = {}
    results = [_result(d, index, root, texts.get(d.span.file, []), seen) for d in report.diagnostics]
    run: dict[str, Any] = {
        "tool": {"driver": _driver(rules)},
        "originalUriBaseIds": {"%SRCROOT%": {"uri": root.as_uri() + "/"}},
        "results": results,
        "columnKind": "unicodeCodePoints",
    }
    if report.failures:
        run["invocations"] = [_invocation(report)]
    return json.dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}, indent=2) + "\n"


def _fired_rules(report: LintReport) -> list[Rule]:
    codes = sorted({d.code for d in report.diagnostics})
    return [rule for rule in (rule_by_code(code) for code in codes) if rule is not None]


def _driver(rules: list[Rule]) -> dict[str, Any]:
    return {
        "name": "rallyc",
        "version": __version__,
        "semanticVersion": __version__,
        "informationUri": "https://rallyc.dev",
        "rules": [
            {
                "id": rule.code,
                "name": rule.name,
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.summary},
                "help": {"text": rule.doc, "markdown": rule.doc},
                "helpUri": rule.help_uri,
                "defaultConfiguration": {"level": _LEVELS[rule.severity]},
            }
            for rule in rules
        ],
    }


def _location(file: str, span: Any, root: Path) -> dict[str, Any]:
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": _relative_uri(file, root), "uriBaseId": "%SRCROOT%"},
            "region": {
                "startLine": span.line,
                "startColumn": span.column,
                "endLine": span.end_line,
                "endColumn": max(span.end_column, span.column + 1) if span.end_line == span.line else span.end_column,
            },
        }
    }


def _relative_uri(file: str, root: Path) -> str:
    """A relative URI reference (RFC 3986): spaces, `#`, `:` and non-ASCII letters percent-encoded."""
    path = Path(file)
    absolute = path if path.is_absolute() else Path.cwd() / path
    try:
        relative = Path(os.path.relpath(absolute.resolve(), root))
    except ValueError:  # another drive on Windows
        return absolute.as_uri()
    return quote(relative.as_posix(), safe="/")


def _result(d: Diagnostic, index: dict[str, int], root: Path, lines: list[str], seen: dict[str, int]) -> dict[str, Any]:
    text = d.message + (f" (hint: {d.hint})" if d.hint else "")
    result: dict[str, Any] = {
        "ruleId": d.code,
        "ruleIndex": index[d.code],
        "level": _LEVELS[d.severity],
        "message": {"text": text},
        "locations": [_location(d.span.file, d.span, root)],
        "partialFingerprints": {"rallyc/v1": _fingerprint(d, lines, seen)},
    }
    if d.related:
        result["relatedLocations"] = [
            {"id": number, **_location(r.span.file, r.span, root), "message": {"text": r.message}}
            for number, r in enumerate(d.related, start=1)
        ]
    return result


def _fingerprint(d: Diagnostic, lines: list[str], seen: dict[str, int]) -> str:
    """Stable when lines move: the rule, the file and the text of the line, not its number."""
    line = lines[d.span.line - 1].strip() if 0 < d.span.line <= len(lines) else ""
    digest = hashlib.sha256(f"{d.code}\0{d.span.file}\0{line}".encode()).hexdigest()[:32]
    seen[digest] = seen.get(digest, 0) + 1
    return f"{digest}:{seen[digest]}"


def _invocation(report: LintReport) -> dict[str, Any]:
    return {
        "executionSuccessful": False,
        "toolExecutionNotifications": [
            {"level": "error", "message": {"text": str(failure)}} for failure in report.failures
        ],
    }
