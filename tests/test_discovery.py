"""Spec discovery: every command that needs one spec finds it the same way when given none."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from rallyc.cli import cli
from rallyc.discovery import find_spec, nearest_spec
from rallyc.errors import RallyError
from tests.conftest import SMALL_SPEC

# every command that works on one spec, with options that keep it from running anything
COMMANDS = [["explain"], ["graph"], ["compile"], ["owners", "src/a.py"], ["learn"], ["run", "--dry-run",
            "--backend", "shell"]]  # fmt: skip


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding `team.rally.yaml` at its top and a folder two levels down."""
    top = tmp_path / "repo"
    (top / "src" / "deep").mkdir(parents=True)
    subprocess.run(["git", "init", "-q", str(top)], check=True)
    (top / "team.rally.yaml").write_text(SMALL_SPEC.replace("goal: Add routes", "repo: ., goal: Add routes"))
    git = ["git", "-C", str(top), "-c", "user.name=t", "-c", "user.email=t@example.com"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "spec"], check=True)
    return top


def test_the_nearest_spec_above_inside_the_repository(repo: Path) -> None:
    assert find_spec(repo / "src" / "deep") == repo / "team.rally.yaml"
    (repo / "src" / "src.rally.yml").write_text(SMALL_SPEC)
    assert find_spec(repo / "src" / "deep") == repo / "src" / "src.rally.yml"


def test_never_above_the_repository(repo: Path) -> None:
    (repo.parent / "outside.rally.yaml").write_text(SMALL_SPEC)
    (repo / "team.rally.yaml").unlink()
    assert nearest_spec(repo / "src") is None
    with pytest.raises(RallyError, match=r"no \*\.rally\.yaml in .* or above it up to "):
        find_spec(repo / "src")


def test_outside_a_repository_only_the_folder_itself(tmp_path: Path) -> None:
    (tmp_path / "team.rally.yaml").write_text(SMALL_SPEC)
    (tmp_path / "sub").mkdir()
    assert find_spec(tmp_path) == tmp_path / "team.rally.yaml"
    assert nearest_spec(tmp_path / "sub") is None


def test_several_in_the_nearest_folder_are_listed(repo: Path) -> None:
    (repo / "b.rally.yml").write_text(SMALL_SPEC)
    with pytest.raises(RallyError, match=r"several specs in .*: b\.rally\.yml, team\.rally\.yaml"):
        find_spec(repo / "src")


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command[0])
def test_every_command_finds_it_from_below(command: list[str], repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(repo / "src" / "deep")
    result = CliRunner().invoke(cli, command)
    assert "Missing argument" not in result.output and "no *.rally.yaml" not in result.output
    assert result.exit_code == 0, result.output
    assert "rallyc: spec: ../../team.rally.yaml" in result.output


@pytest.mark.parametrize("command", COMMANDS, ids=lambda command: command[0])
def test_every_command_refuses_to_guess(command: list[str], repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (repo / "b.rally.yaml").write_text(SMALL_SPEC)
    monkeypatch.chdir(repo / "src")
    result = CliRunner().invoke(cli, command)
    assert result.exit_code == 2
    assert "several specs in ..: b.rally.yaml, team.rally.yaml" in result.output
