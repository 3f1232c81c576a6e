"""`rallyc learn` over run folders an unsandboxed agent or a careless hand left behind: forged, truncated,
contradictory or copied reports are skipped and named, never learned from and never a traceback."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.test_learn import histories, learn, learn_json  # noqa: F401  (the fixture)

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture
def three(histories: dict[str, Path], tmp_path: Path) -> Path:  # noqa: F811
    shutil.copytree(histories["three"].parent, tmp_path / "three", symlinks=True)
    return tmp_path / "three" / "repo"


def runs_of(repo: Path) -> list[Path]:
    return sorted((repo / ".rally" / "runs").iterdir())


def edit(run: Path, change: Edit) -> None:
    report = json.loads((run / "report.json").read_text())
    change(report)
    (run / "report.json").write_text(json.dumps(report))


def first_task(field: str, value: Any) -> Edit:
    return lambda report: report["tasks"][0].__setitem__(field, value)


@pytest.mark.parametrize(("change", "kind", "says"), [
    (first_task("duration_s", float("nan")), "outdated", "not a number: nan"),
    (first_task("duration_s", float("inf")), "outdated", "not a number: inf"),
    (first_task("tokens", 10**400), "outdated", "too large"),
    (first_task("tokens", "35000"), "outdated", "not a number: 35000"),
    (first_task("duration_s", 1e6), "untrue", "a task took 1e+06s, longer than the whole task phase"),
    (lambda report: report.__setitem__("wall_seconds", 1e6), "untrue", "more than the"),
    (lambda report: report["tes"].__setitem__("grade", "F"), "untrue", "its TES is"),
    (lambda report: report["tes"].update(score=0.5, grade="F"), "untrue", "its TES is 0.5 (F)"),
    (lambda report: report["tes"]["parts"].__setitem__("task_economy", 0.0), "untrue", "its TES part task_economy"),
    (lambda report: report.__setitem__("status", "failed"), "untrue", "its status `failed` does not follow"),
    (lambda report: report.__setitem__("tokens", 1), "untrue", "its TES part task_economy"),
    (lambda report: report.__setitem__("run_id", "shop-other"), "untrue", "names run 'shop-other', not its folder's"),
])  # fmt: skip
def test_a_report_that_is_not_true_is_skipped_and_named(three: Path, change: Edit, kind: str, says: str) -> None:
    run = runs_of(three)[0]
    edit(run, change)
    code, doc = learn_json(three)
    assert code == 0
    assert doc["runs"]["used"] == 2 and doc["runs"][kind] == 1
    assert doc["skipped"][0]["run"] == f".rally/runs/{run.name}" and says in doc["skipped"][0]["why"]
    # the other runs' points are there, so the skipped run's absence is not an empty list's
    points = {point["run"] for item in doc["parameters"] for point in item["data_points"]}
    assert points == {other.name for other in runs_of(three)[1:]}, points
    code, out, err = learn(three)
    assert code == 0 and f"skipped .rally/runs/{run.name}: " in out and "Traceback" not in out + err


@pytest.mark.parametrize("content", ["[" * 100_000 + "]" * 100_000, '{"version": 1', "\xff"])
def test_unreadable_files_are_skipped_not_a_crash(three: Path, content: str) -> None:
    run = runs_of(three)[0]
    (run / "plan.json").write_text(content, encoding="latin-1")
    code, out, err = learn(three)
    assert code == 0 and "Traceback" not in out + err and f"skipped .rally/runs/{run.name}: plan.json cannot be read" in out


def test_copies_of_a_run_count_once(three: Path) -> None:
    """A copied run folder (same commits, even under a new id) and a symbolic link to one teach nothing twice."""
    original = runs_of(three)[0]
    copy = original.with_name(original.name[:-4] + "ffff")
    shutil.copytree(original, copy)
    edit(copy, lambda report: report.__setitem__("run_id", copy.name))
    os.symlink(original, original.with_name(original.name[:-4] + "eeee"))
    _, doc = learn_json(three)
    assert doc["runs"]["used"] == 3 and doc["runs"]["untrue"] == 2
    whys = [item["why"] for item in doc["skipped"]]
    assert any("it names commits an earlier run reported" in why for why in whys), whys
    assert any("symbolic link" in why for why in whys)
