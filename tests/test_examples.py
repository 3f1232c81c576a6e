"""The example specs are the golden corpus: schema-valid for other tools too, and lint-clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rallyc.api import lint
from rallyc.config import Settings
from tests.conftest import EXAMPLES, ROOT


def test_there_are_at_least_four_examples() -> None:
    assert len(EXAMPLES) >= 4


def test_every_example_passes_check_jsonschema() -> None:
    check = Path(sys.executable).parent / "check-jsonschema"
    schema = ROOT / "schemas" / "team.rally.schema.json"
    done = subprocess.run([str(check), "--schemafile", str(schema), *map(str, EXAMPLES)],
                          capture_output=True, text=True, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.name)
def test_example_has_no_findings_even_info(example: Path) -> None:
    report = lint([str(example)], Settings(repo=False, show_info=True, ignore=("RY304",)))
    assert report.diagnostics == () and report.failures == ()


def test_the_demo_spec_shows_its_planted_mistakes() -> None:
    report = lint([str(ROOT / "specs" / "demo" / "broken.rally.yaml")], Settings(repo=False))
    assert {d.code for d in report.diagnostics} == {"RY002", "RY101", "RY201"}
