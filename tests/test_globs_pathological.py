"""Globs that once hung or crashed `rallyc lint`, and their cousins (tests/data/pathological_globs.yaml).

Each case is linted end to end, in-process: the findings must be the expected ones, so every
question is answered within the step budget except where the case expects RY004 ("too complex").
No timing is asserted here; bench/pathological.py times the same cases (bench/README.md).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from rallyc.api import lint_file
from rallyc.automata import STEP_BUDGET, Budget, TooComplex
from rallyc.config import Settings
from rallyc.globparse import parse_glob
from rallyc.globs import inside
from tests.conftest import git_index

CASES = Path(__file__).parent / "data" / "pathological_globs.yaml"


def load_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = YAML(typ="safe").load(CASES.read_text(encoding="utf-8"))["cases"]
    return cases


def glob_text(text: str) -> str:
    """`NESTED_300`: braces nested 300 deep; `LONG_5000`: a name of 5,000 letters (too long to write out)."""
    kind, _, number = text.partition("_")
    if kind == "NESTED" and number.isdigit():
        return "{a," * int(number) + "b" + "}" * int(number)
    if kind == "LONG" and "/" in number:
        size, rest = number.split("/", 1)
        return "a" * int(size) + "/" + rest
    return text


def spec_text(case: dict[str, Any]) -> str:
    """A two-teammate spec around the case's globs (JSON flow lists are YAML)."""

    def globs(kind: str, mate: str) -> str:
        found = case.get(kind, {}).get(mate)
        return f"\n    {kind}: {json.dumps([glob_text(text) for text in found])}" if found else ""

    writes = f", writes: {json.dumps(case['writes'])}" if "writes" in case else ""
    return (
        "rally: 1\n"
        "team: {name: patho, goal: Exercise one pathological glob case.}\n"
        "budget: {max_usd: 40}\n"
        "teammates:\n"
        f"  - name: web\n    role: implementation{globs('owns', 'web')}{globs('reads', 'web')}\n"
        f"    tasks:\n      - {{id: one, do: Do it., estimate: 20m, verify: [make]{writes}}}\n"
        f"  - name: api\n    role: testing{globs('owns', 'api')}{globs('reads', 'api')}\n"
        "    tasks:\n      - {id: two, do: Check it., estimate: 20m, verify: [make]}\n"
    )


def write_case(case: dict[str, Any], folder: Path) -> Path:
    """The case's spec in `folder`, inside a git repository tracking its `files` when it has some."""
    if case.get("files"):
        git_index(folder, case["files"])
    spec = folder / "case.rally.yaml"
    spec.write_text(spec_text(case), encoding="utf-8")
    return spec


@pytest.mark.parametrize("case", load_cases(), ids=lambda case: case["name"])
def test_pathological_globs_get_an_answer(case: dict[str, Any], tmp_path: Path) -> None:
    spec = write_case(case, tmp_path)
    report = lint_file(spec, spec.name, Settings(repo=bool(case.get("files"))))
    assert sorted({d.code for d in report.diagnostics}) == sorted(case["expect"]), [
        f"{d.code} {d.message}" for d in report.diagnostics
    ]
    complex_ = [d for d in report.diagnostics if "too complex" in d.message]
    assert all(d.code == "RY004" for d in complex_)
    if "RY004" in case["expect"] and "NESTED" not in json.dumps(case):
        assert complex_, "the RY004 expected here is the step budget's"


def test_the_budget_counts_steps_not_time() -> None:
    """The same question gives up at the same place every time, and answers with a larger budget."""
    covers = [parse_glob(text) for text in ("x/*a????????", "x/*[!a]????????", *("x/" + "?" * n for n in range(1, 9)))]
    for _ in range(2):
        with pytest.raises(TooComplex) as raised:
            inside(parse_glob("x/*"), covers, budget=Budget(STEP_BUDGET // 100))
        assert raised.value.steps == STEP_BUDGET // 100
    assert inside(parse_glob("x/*"), covers, budget=Budget()) is None
