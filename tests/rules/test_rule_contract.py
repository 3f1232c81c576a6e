"""Every rule is one module with a unique code, its docs and its cases."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ruamel.yaml import YAML

from rallyc.rules import DOC_SECTIONS, all_rules

CASES = Path(__file__).parent / "cases"
RULES = all_rules()


def test_codes_are_unique_and_match_their_module() -> None:
    codes = [rule.code for rule in RULES]
    assert len(codes) == len(set(codes))
    for rule in RULES:
        assert rule.module.startswith(rule.code.lower() + "_")
        assert rule.module == rule.code.lower() + "_" + rule.name.replace("-", "_")


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_has_docs_in_four_parts(rule) -> None:  # type: ignore[no-untyped-def]
    assert rule.summary and not rule.summary.startswith("#")
    headings = re.findall(r"^## (.+)$", rule.doc, re.MULTILINE)
    assert headings == list(DOC_SECTIONS)
    assert rule.doc.count("```yaml") >= 2, "an example and what to write instead"


@pytest.mark.parametrize("rule", RULES, ids=lambda rule: rule.code)
def test_rule_has_failing_and_passing_cases(rule) -> None:  # type: ignore[no-untyped-def]
    path = CASES / f"{rule.code}.yaml"
    assert path.exists(), f"{path} is missing"
    cases = YAML(typ="safe").load(path.read_text(encoding="utf-8"))["cases"]
    assert any(case["expect"] for case in cases), "a case where the rule fires"
    assert any(not case["expect"] for case in cases), "a case where it does not"
