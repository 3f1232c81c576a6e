"""Every rule's cases (tests/rules/cases/RYNNN.yaml) run through the real linter.

A case is a spec and the `line:col CODE` findings of that rule it must give;
`severity`, `message` and `hint` (substrings) and `related` (`line:col` of each related
location) check the finding's details. A case
with `files` runs in a git repository tracking those files (`repo: true` lets
the linter look at it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from rallyc.api import lint_file
from rallyc.config import Settings
from tests.conftest import git_index

CASES = Path(__file__).parent / "cases"


def _cases() -> list[Any]:
    params = []
    for path in sorted(CASES.glob("RY*.yaml")):
        for case in YAML(typ="safe").load(path.read_text(encoding="utf-8"))["cases"]:
            params.append(pytest.param(path.stem, case, id=f"{path.stem}: {case['name']}"))
    return params


@pytest.mark.parametrize(("code", "case"), _cases())
def test_rule_case(code: str, case: dict[str, Any], tmp_path: Path) -> None:
    spec = tmp_path / "case.rally.yaml"
    spec.write_text(case["spec"], encoding="utf-8")
    if "files" in case:
        git_index(tmp_path, case["files"])
    report = lint_file(spec, "case.rally.yaml", Settings(show_info=True, repo=case.get("repo", False)))
    found = [d for d in report.diagnostics if d.code == code]
    assert sorted(f"{d.span.line}:{d.span.column} {d.code}" for d in found) == sorted(case["expect"]), [
        f"{d.span.line}:{d.span.column} {d.code} {d.message}" for d in report.diagnostics
    ]
    if "severity" in case:
        assert {d.severity.value for d in found} == {case["severity"]}
    if "message" in case:
        assert any(case["message"] in d.message for d in found), [d.message for d in found]
    if "hint" in case:
        assert any(d.hint and case["hint"] in d.hint for d in found), [d.hint for d in found]
    if "related" in case:
        related = sorted(f"{r.span.line}:{r.span.column}" for d in found for r in d.related)
        assert related == sorted(case["related"]), related

