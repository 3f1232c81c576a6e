"""The worktree's environment: checks test the team's code, set-up makes each worktree's own, missing
programs cost no agent turn. Real virtual environments (built without pip, no network: an editable install
is a `.pth` file or a `direct_url.json`), real git repositories, the shell backend."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from rallyc.runner.environment import missing_programs, program_of, setup_for, worktree_env
from tests.runner.scripted import git, install_agent, make_repo, rallyc, report, run_folder, spec_yaml, task_of

TEAM = """\
  - name: core
    role: implementation
    owns: [src/pkg/**]
    tasks:
      - {{id: work, do: Change the package., estimate: 5s, verify: [{check}]}}
  - name: docs
    role: documentation
    owns: [docs/**]
    tasks:
      - {{id: write, do: Write the docs., estimate: 2s}}
"""
IMPORTS = json.dumps("python3 -c 'import pkg'")
PACKAGE = {"pyproject.toml": "[project]\nname = 'pkg'\nversion = '1'\n", "src/pkg/__init__.py": "VALUE = 1\n"}


def venv(folder: Path) -> Path:
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(folder)], check=True)
    return next(folder.glob("lib/python3*/site-packages"))


def project(tmp_path: Path, actions: dict[str, Any], *, check: str = IMPORTS, extra: str = "",
            files: dict[str, str] | None = None) -> Path:  # fmt: skip
    repo = make_repo(tmp_path / "repo", {**PACKAGE, **(files or {})})
    shell = install_agent(tmp_path / "agent", actions)
    (tmp_path / "out").mkdir(exist_ok=True)
    text = spec_yaml(shell, TEAM.format(check=check), writable=[tmp_path / "out"])
    (repo / "team.rally.yaml").write_text(text.replace("run:\n", f"run:\n{extra}"))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "spec")
    return repo


def editable_env(tmp_path: Path, repo: Path, how: str) -> dict[str, str]:
    """An environment outside the checkout, first on PATH, with the package installed editable from it."""
    site = venv(tmp_path / "venv")
    if how == "pth":
        (site / "__editable__.pkg-1.pth").write_text(f"{repo / 'src'}\n")
    else:
        record = site / "pkg-1.dist-info"
        record.mkdir()
        (record / "direct_url.json").write_text(json.dumps({"url": (repo / "src").as_uri(),
                                                            "dir_info": {"editable": True}}))  # fmt: skip
        (site / "pkg.pth").write_text(f"{repo / 'src'}\n")
    return {"VIRTUAL_ENV": str(tmp_path / "venv"), "PATH": f"{tmp_path / 'venv' / 'bin'}:{os.environ['PATH']}"}


@pytest.mark.parametrize("how", ["pth", "direct_url"])
def test_an_editable_install_from_your_checkout_is_refused_before_anything_starts(tmp_path: Path, how: str) -> None:
    repo = project(tmp_path, {})
    code, out, err = rallyc("run", str(repo / "team.rally.yaml"), "--no-journal", env=editable_env(tmp_path, repo, how))
    assert code == 2 and "the checks would test your checkout, not the team's work" in err
    assert "installed editable from src in your checkout" in err
    assert 'run: {setup: ["python3 -m venv .venv && .venv/bin/python -m pip install -e ."]}' in err
    assert not (repo / ".rally" / "runs").exists()


def test_with_setup_each_worktree_has_its_own_environment_and_the_check_tests_the_teams_code(tmp_path: Path) -> None:
    """The issue's case: a task breaks the module; with the user's editable install the check passed anyway."""
    setup = json.dumps("python3 -m venv --without-pip .venv && .venv/bin/python -c \"import os, site; "
                       "open(site.getsitepackages()[0] + '/local.pth', 'w').write(os.getcwd() + '/src')\"")  # fmt: skip
    check = json.dumps(".venv/bin/python -c 'import pkg'")
    broken = {"write": {"src/pkg/__init__.py": "raise RuntimeError('broken by the task')\n"}}
    repo = project(tmp_path, {"work": broken, "write": {"write": {"docs/a.md": "a\n"}}}, check=check,
                   extra=f"  setup: [{setup}]\n")  # fmt: skip
    env = editable_env(tmp_path, repo, "pth")
    code, out, err = rallyc("run", str(repo / "team.rally.yaml"), "--no-journal", env=env)
    doc = report(repo)
    work = task_of(doc, "work")
    assert work["status"] == "failed" and "check `.venv/bin/python -c 'import pkg'` exited 1" in work["reason"]
    assert task_of(doc, "write")["status"] == "done" and task_of(doc, "write")["files_changed"] == ["docs/a.md"]
    assert doc["violations"] == []  # the set-up's .venv is the worktree's starting point, not a change
    folder = run_folder(repo)
    assert "RuntimeError: broken by the task" in (folder / "logs" / "work.log").read_text()
    assert "== exit 0" in (folder / "logs" / "setup-core.log").read_text()


def test_a_set_up_that_fails_fails_the_worktrees_tasks_without_an_agent_turn(tmp_path: Path) -> None:
    marker = tmp_path / "out" / "agent-ran"
    repo = project(tmp_path, {"work": {"sh": f"touch {marker}"}, "write": {"sh": f"touch {marker}"}},
                   extra='  setup: ["test -f src/pkg/__init__.py || exit 3"]\n')  # fmt: skip
    (repo / "src" / "pkg" / "__init__.py").unlink()
    git(repo, "commit", "-q", "-am", "no package now")
    code, out, err = rallyc("run", str(repo / "team.rally.yaml"), "--no-journal")
    doc = report(repo)
    for task in ("work", "write"):  # every worktree is set up the same way: here each fails
        assert task_of(doc, task)["reason"].startswith("setup: `test -f src/pkg/__init__.py || exit 3` exited 3 (see "
                                                       "logs/setup-")  # fmt: skip
        assert task_of(doc, task)["attempts"] == 1
    assert code == 1 and doc["status"] == "failed" and not marker.exists()  # no agent turn


def test_the_worktrees_own_tools_come_first_on_path(tmp_path: Path) -> None:
    """A set-up that makes `.venv/bin/checker`: a check that calls `checker` finds it, as in an activated env."""
    setup = json.dumps("mkdir -p .venv/bin && printf '#!/bin/sh\\necho checked $VIRTUAL_ENV\\n' > .venv/bin/checker "
                       "&& chmod +x .venv/bin/checker")  # fmt: skip
    repo = project(tmp_path, {"work": {"write": {"src/pkg/b.py": "1\n"}}}, check=json.dumps("checker"),
                   extra=f"  setup: [{setup}]\n")  # fmt: skip
    code, out, err = rallyc("run", str(repo / "team.rally.yaml"), "--no-journal")
    assert code == 0, out + err
    log = (run_folder(repo) / "logs" / "work.log").read_text()
    assert "checked " in log and "/.rally/worktrees/" in log and log.split("checked ")[1].split()[0].endswith("/.venv")


def test_a_set_up_may_not_change_tracked_files(tmp_path: Path) -> None:
    repo = project(tmp_path, {}, extra='  setup: ["echo changed > pyproject.toml"]\n')
    rallyc("run", str(repo / "team.rally.yaml"), "--no-journal")
    reason = task_of(report(repo), "work")["reason"]
    assert reason.startswith("setup: it changed tracked files (pyproject.toml)") and "npm ci" in reason


def test_a_missing_check_program_is_a_preflight_error_without_setup(tmp_path: Path) -> None:
    repo = project(tmp_path, {}, check=json.dumps("no-such-checker --strict src"))
    code, out, err = rallyc("run", str(repo / "team.rally.yaml"), "--no-journal")
    assert code == 2 and "`no-such-checker --strict src` needs `no-such-checker`" in err
    assert not (repo / ".rally" / "runs").exists()


def test_a_missing_check_program_after_setup_fails_the_task_without_an_agent_turn(tmp_path: Path) -> None:
    marker = tmp_path / "out" / "agent-ran"
    repo = project(tmp_path, {"work": {"sh": f"touch {marker}"}}, check=json.dumps("no-such-checker src"),
                   extra='  setup: ["true"]\n')  # fmt: skip
    rallyc("run", str(repo / "team.rally.yaml"), "--no-journal")
    work = task_of(report(repo), "work")
    assert work["reason"] == ("setup: `no-such-checker src` needs `no-such-checker`, which is not in the worktree's "
                              "environment after its set-up") and not marker.exists()  # fmt: skip


def test_node_modules_in_your_checkout_is_refused_without_setup(tmp_path: Path) -> None:
    repo = project(tmp_path, {}, check=json.dumps("true"), files={"package-lock.json": "{}\n", ".gitignore": "node_modules/\n"})
    (repo / "node_modules" / "left-pad").mkdir(parents=True)
    code, out, err = rallyc("run", str(repo / "team.rally.yaml"), "--no-journal")
    assert code == 2 and "node_modules is in your checkout, and a worktree has none" in err
    assert '"npm ci"' in err


def test_variables_pointing_into_your_checkout_point_into_the_worktree() -> None:
    top, worktree = Path("/home/me/project"), Path("/home/me/project/.rally/worktrees/r/core")
    env = {"VIRTUAL_ENV": "/home/me/project/.venv", "PATH": "/home/me/project/.venv/bin:/usr/bin",
           "PYTHONPATH": "/home/me/project/src", "HOME": "/home/me", "CACHE": "/home/me/project/.rally/x"}  # fmt: skip
    moved = worktree_env(env, top, worktree)
    assert moved["VIRTUAL_ENV"] == str(worktree / ".venv")  # one path: pointed into the worktree
    assert moved["PATH"] == "/usr/bin"  # the worktree has no .venv/bin (yet): that entry is dropped
    assert moved["PYTHONPATH"] == "" and moved["HOME"] == "/home/me"
    assert worktree_env(env, top, None)["PATH"] == "/usr/bin"


def test_the_program_of_a_command_and_the_setup_of_a_toolchain(tmp_path: Path) -> None:
    assert program_of("PYTHONPATH=src python -m pytest -q") == "python"
    assert program_of("cd web && npm test") is None and program_of("test -f x") is None
    assert program_of("echo 'unclosed") is None
    assert missing_programs(["sh -c true", "nope-nope x", "./local.sh"], {"PATH": os.environ["PATH"]}, tmp_path) == \
        [("nope-nope x", "nope-nope"), ("./local.sh", "./local.sh")]  # fmt: skip
    for name in ("uv.lock", "pyproject.toml", "package-lock.json", "Cargo.toml", "go.mod"):
        (tmp_path / name).write_text("")
    assert setup_for(tmp_path) == ["uv sync --locked", "npm ci", "cargo fetch", "go mod download"]
