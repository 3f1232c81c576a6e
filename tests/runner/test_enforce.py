"""The runner's ownership check uses the same difference as the linter: `owns` minus its `!` items."""

from __future__ import annotations

from pathlib import Path

import pytest

from rallyc.globset import owner_globs
from rallyc.runner.backends._workspace import ToolError, Workspace
from rallyc.runner.enforce import ownership_breaches
from rallyc.syntax import PatternError

OWNS = ["src/**", "!src/gen/**", "!src/core.py"]


def test_a_change_to_an_excluded_path_is_a_breach(tmp_path: Path) -> None:
    changes = [("M", "src/a.py"), ("A", "src/gen/client.py"), ("D", "src/core.py"), ("M", "src/sub/core.py")]
    breaches = ownership_breaches(changes, owner_globs(OWNS), "", tmp_path)
    assert [(breach.path, breach.why) for breach in breaches] == [
        ("src/gen/client.py", "not owned"),
        ("src/core.py", "deleted, not owned"),
    ]


def test_a_plan_with_only_exclusions_is_refused() -> None:
    with pytest.raises(PatternError):
        owner_globs(["!src/**"])


def test_the_agent_workspace_refuses_an_excluded_path_before_writing(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path, OWNS, {}, 10)
    workspace.check_owned("src/a.py", tmp_path / "src" / "a.py")
    with pytest.raises(ToolError, match="src/gen/x.py is outside what this teammate owns"):
        workspace.check_owned("src/gen/x.py", tmp_path / "src" / "gen" / "x.py")
