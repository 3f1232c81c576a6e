"""The sandbox policy: which mechanism `run.sandbox` gets, and what a task may write in it."""

from __future__ import annotations

from pathlib import Path

import pytest

from rallyc.errors import RallyError
from rallyc.runner.sandbox import DEVICES, Mechanism, choose, policy
from tests.runner.scripted import require_sandbox

LANDLOCK, NONE = Mechanism("landlock", 7), Mechanism("none", 0, "no Landlock here")


def test_required_refuses_a_machine_without_a_sandbox_and_auto_runs_without_one() -> None:
    with pytest.raises(RallyError, match="run.sandbox is `required` and this machine has no sandbox: no Landlock"):
        choose("required", NONE)
    assert choose("auto", NONE) == NONE and choose("required", LANDLOCK) == LANDLOCK
    assert choose("off", LANDLOCK).abi == 0


def test_a_task_may_write_its_worktree_temp_state_caches_and_what_the_spec_adds(tmp_path: Path) -> None:
    require_sandbox()
    home = tmp_path / "home"
    (home / ".cache").mkdir(parents=True)
    (home / ".npm").mkdir()
    (tmp_path / "repo" / "build").mkdir(parents=True)
    found = policy("auto", [home / ".codex"], ["~/.npm", "build", "/no/such/place"], tmp_path / "repo",
                   {"HOME": str(home)})  # fmt: skip
    assert found.missing == ("/no/such/place",)
    found.prepare()
    assert (home / ".codex").is_dir()  # made when the run starts: codex could not make it inside the sandbox
    sandbox = found.for_task(tmp_path / "worktree", tmp_path / "temp")
    assert sandbox is not None
    writable = sandbox.writable
    assert writable[:3] == (str(tmp_path / "worktree"), str(tmp_path / "temp"), str(home / ".codex"))
    assert {str(home / ".cache"), str(home / ".npm"), str(tmp_path / "repo" / "build"), "/dev/null"} <= set(writable)
    assert str(home) not in writable and not any(path.startswith(str(tmp_path / "repo") + "/.") for path in writable)
    assert "left out (missing): /no/such/place" in found.describe()


def test_off_means_no_sandbox_and_says_so() -> None:
    found = policy("off", [], [], Path("."), {})
    assert not found.active and found.for_task(Path("w"), Path("t")) is None
    assert found.describe().startswith("sandbox: none (run.sandbox is off)")
    assert "/dev/null" in DEVICES
