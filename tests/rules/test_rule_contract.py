"""Every rule is one module with a unique code, its docs and its cases; a mistyped declaration fails discovery."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from ruamel.yaml import YAML

from rallyc.rules import DOC_SECTIONS, PRECONDITIONS, SKIPPED, all_rules, rule_by_code, rule_of
from tests.conftest import EXAMPLES, ROOT

CASES = Path(__file__).parent / "cases"
RULES = all_rules()
THROWAWAY = '''"""A throwaway rule that never fires."""

from rallyc.diagnostics import Severity

code = "RY999"
name = "throwaway"
severity = Severity.INFO
{declaration}


def check(ctx):
    return iter(())
'''


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


def test_preconditions_are_reported_by_a_rule_whose_docs_list_the_rules_skipped() -> None:
    assert all(rule_by_code(precondition.reported_by) for precondition in PRECONDITIONS.values())
    assert not [rule.code for rule in RULES if SKIPPED in rule.doc]
    assert {rule.code for rule in RULES if "acyclic" in rule.requires} == {
        "RY201", "RY202", "RY204", "RY205", "RY206", "RY309", "RY403"
    }
    cycle = rule_by_code("RY203")
    assert cycle is not None and "skipped until it is fixed:\nRY201, RY202, RY204-RY206, RY309, RY403." in cycle.doc


def _throwaway(folder: Path, declaration: str) -> ModuleType:
    path = folder / "ry999_throwaway.py"
    path.write_text(THROWAWAY.format(declaration=declaration), encoding="utf-8")
    spec = importlib.util.spec_from_file_location("ry999_throwaway", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_declared_rule_is_discovered_as_declared(tmp_path: Path) -> None:
    rule = rule_of(_throwaway(tmp_path, 'phase = "spec"\nrequires = {"acyclic"}'))
    assert (rule.code, rule.phase, rule.blocks, rule.requires) == ("RY999", "spec", True, frozenset({"acyclic"}))
    assert rule_of(_throwaway(tmp_path, "")).phase == "plan"


@pytest.mark.parametrize(
    ("declaration", "problem"),
    [
        ('phase = "plna"', "`phase = 'plna'` is none of file, document, spec, plan: the rule would never run"),
        ('requires = {"acylic"}', "`requires = {'acylic'}` is not a set of preconditions among 'acyclic'"),
        ('requires = "acyclic"', "`requires = 'acyclic'` is not a set of preconditions"),
    ],
)
def test_a_mistyped_declaration_fails_discovery(tmp_path: Path, declaration: str, problem: str) -> None:
    with pytest.raises(ValueError, match=re.escape(f"ry999_throwaway.py: {problem}")):
        rule_of(_throwaway(tmp_path, declaration))


def test_lint_fails_loudly_on_a_rule_module_with_a_mistyped_phase(tmp_path: Path) -> None:
    """In a temporary copy of the package: the rule is not left out of every lint without a word."""
    shutil.copytree(ROOT / "rallyc", tmp_path / "rallyc", symlinks=False)
    (tmp_path / "rallyc" / "rules" / "ry999_throwaway.py").write_text(
        THROWAWAY.format(declaration='phase = "plna"'), encoding="utf-8"
    )
    done = subprocess.run([sys.executable, "-m", "rallyc", "lint", "--no-repo", str(EXAMPLES[0])], cwd=tmp_path,
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{tmp_path / 'rallyc' / 'rules' / 'ry999_throwaway.py'}: `phase = 'plna'` is none of" in done.stderr
