"""`python -m rallyc.hooks compile-check`, the entry of the pre-commit hook rallyc-compile-check.

The hook under the real pre-commit is tested in tests/integrations/test_pre_commit.py; these
check the wrapper's own choices: options reach every call, the worst exit code wins.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from rallyc import hooks
from rallyc.cli import cli
from tests.conftest import EXAMPLES, ROOT, git_index


@pytest.fixture
def specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    monkeypatch.chdir(tmp_path)
    for example in EXAMPLES[:2]:
        shutil.copy(example, tmp_path / example.name)
    return [example.name for example in EXAMPLES[:2]]


def test_options_reach_every_spec(specs: list[str]) -> None:
    for spec in specs:
        result = CliRunner().invoke(cli, ["compile", spec, "--target", "codex-subagents", "-o", f"out/{spec}"])
        assert result.exit_code == 0, result.output
    # -o names one folder for all specs: each spec is checked against its own here, one call each
    for spec in specs:
        assert hooks.main(["compile-check", "--target", "codex-subagents", "-o", f"out/{spec}", spec]) == 0
    assert hooks.main(["compile-check", "-o", f"out/{specs[0]}", specs[0]]) == 1  # another target differs


def test_worst_exit_code_wins(specs: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert hooks.main(["compile-check", *specs]) == 1  # nothing compiled yet
    shutil.copy(ROOT / "specs" / "demo" / "broken.rally.yaml", "broken.rally.yaml")
    assert hooks.main(["compile-check", "broken.rally.yaml"]) == 1  # lint errors: not compiled
    assert hooks.main(["compile-check", "missing.rally.yaml", *specs]) == 2
    assert "out of date" in capsys.readouterr().err


def test_names_that_are_not_specs_select_the_tracked_specs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """In a real repository: two tracked specs, and an untracked one that git does not list."""
    git_index(tmp_path, ["a.rally.yaml", "b/c.rally.yml", "src/x.py"], untracked=["d.rally.yaml"])
    monkeypatch.chdir(tmp_path)
    assert hooks.tracked_specs() == ["a.rally.yaml", "b/c.rally.yml"]
    assert hooks.specs_to_check(["b/c.rally.yml"]) == ["b/c.rally.yml"]
    assert hooks.specs_to_check([".rally/build/x/plan.json"]) == ["a.rally.yaml", "b/c.rally.yml"]
    assert hooks.specs_to_check([]) == []


def test_usage() -> None:
    assert hooks.main([]) == 2 and hooks.main(["lint"]) == 2
