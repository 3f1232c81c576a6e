"""Strings the operating system cannot take are RY002 at the value: a NUL anywhere, a `team.repo` that is no path.

The issue's reproductions: `team.repo` with a NUL byte (ValueError) or a
256-character name (OSError) crashed lint and compile in `repo.py`.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rallyc.api import lint
from rallyc.config import Settings
from rallyc.errors import RallyError
from rallyc.repo import repo_root
from tests.conftest import SMALL_SPEC, position_of, rallyc


def spec_with(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "team.rally.yaml"
    text = SMALL_SPEC.replace(old, new)
    assert text != SMALL_SPEC
    path.write_text(text, encoding="utf-8")
    return path


def findings(path: Path, repo: bool = True) -> list[tuple[str, int, int, str]]:
    report = lint([str(path)], Settings(repo=repo))
    assert not report.failures
    return [(d.code, d.span.line, d.span.column, d.message) for d in report.diagnostics]


GOAL = "goal: Add routes"
REPOS = {
    "a NUL byte": ('"src\\0x"', "NUL character"),
    "a 256-character name": ("x" * 256, "a name of 256 bytes"),
    "a name of 128 two-byte characters": ("é" * 128, "a name of 256 bytes"),
    "5000 bytes": ("/".join(["abcd"] * 1000), "more than the 4,095 a path may have"),
    "an empty path": ('""', "it is empty"),
}


@pytest.mark.parametrize("case", list(REPOS))
def test_a_repo_that_cannot_be_a_path_is_a_schema_violation_at_the_value(case: str, tmp_path: Path) -> None:
    value, message = REPOS[case]
    path = spec_with(tmp_path, GOAL, f"repo: {value}, {GOAL}")
    found = findings(path)
    assert [(code, line, column) for code, line, column, _ in found] == [("RY002", 2, 27)]
    assert message in found[0][3]
    for command in (["compile", "-o", str(tmp_path / "out")], ["explain"], ["graph"], ["owners", "--unowned", "--spec"]):
        code, _, err = rallyc(*command, str(path))
        assert code == 1 and "internal error" not in err, (command, err)


def test_a_sandbox_folder_that_cannot_be_a_path_is_a_schema_violation_at_the_value(tmp_path: Path) -> None:
    path = spec_with(tmp_path, "budget: {max_usd: 40}", f"budget: {{max_usd: 40}}\nrun: {{sandbox_writable: [~/ok, {'y' * 300}]}}")
    found = findings(path, repo=False)
    assert [(code, line, column) for code, line, column, _ in found] == [("RY002", *position_of(path.read_text(), "y" * 300))]
    assert "run.sandbox_writable[1] cannot be a path: a name of 300 bytes" in found[0][3]


def test_a_long_repo_that_is_a_path_is_fine(tmp_path: Path) -> None:
    assert findings(spec_with(tmp_path, GOAL, f"repo: {'x' * 255}, {GOAL}")) == []


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("goal: Add routes", 'base: "main\\0", goal: Add routes', '"main'),
        ("verify: [pytest -q]", 'verify: ["pytest\\0-q"]', '"pytest'),
        ("role: front end", 'role: "front\\0end"', '"front'),
        ("Add the pages.", '"Add the\\0pages."', '"Add the'),
    ],
    ids=["base", "verify", "role", "do"],
)
def test_a_nul_anywhere_is_a_schema_violation_at_the_value(old: str, new: str, where: str, tmp_path: Path) -> None:
    path = spec_with(tmp_path, old, new)
    found = findings(path, repo=False)
    assert [(code, line, column) for code, line, column, _ in found] == [("RY002", *position_of(path.read_text(), where))]


def test_a_nul_in_the_users_own_keys_is_left_alone(tmp_path: Path) -> None:
    assert findings(spec_with(tmp_path, GOAL, f'x-note: "a\\0b", {GOAL}'), repo=False) == []


def test_repo_root_refuses_what_cannot_be_a_path(tmp_path: Path) -> None:
    with pytest.raises(RallyError, match="team.repo cannot be a path"):
        repo_root(tmp_path / "team.rally.yaml", "a\0b")
