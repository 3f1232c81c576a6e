"""The light install (`pip install rallyc`, no extras): every command works, a shell-backend run is correct
without libgit2, and the anthropic backend names the extra it needs.

The environment is real, not patched: a Python started with `-S` (no site-packages) whose path holds links to
this venv's packages except the extras' (pygit2, anthropic and what only the SDK brings), so importing them
fails as it does after a plain `pip install rallyc`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from tests.conftest import EXAMPLES, ROOT
from tests.runner.scripted import git, install_agent, make_repo, spec_yaml



def light_distributions() -> set[str]:
    """pyproject.toml's dependencies, and theirs, without any extra: what `pip install rallyc` installs."""
    import tomllib
    from importlib.metadata import PackageNotFoundError, distribution

    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    found: set[str] = set()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    waiting = [Requirement(text).name for text in project["dependencies"]]
    while waiting:
        name = canonicalize_name(waiting.pop())
        if name in found:
            continue
        found.add(name)
        try:
            requirements = distribution(name).requires or []
        except PackageNotFoundError:  # a dependency of a dependency for another Python version
            continue
        for text in requirements:
            requirement = Requirement(text)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                waiting.append(requirement.name)
    return found


@pytest.fixture(scope="module")
def light_path(tmp_path_factory: pytest.TempPathFactory) -> str:
    """PYTHONPATH of a light install: rallyc's source and links to the files of the packages it depends on."""
    from importlib.metadata import distribution

    folder = tmp_path_factory.mktemp("site-light")
    site = Path(sysconfig.get_paths()["purelib"])
    tops = {Path(str(file)).parts[0] for name in light_distributions() for file in distribution(name).files or ()}
    for top in sorted(tops):
        if (site / top).exists() and not top.endswith(".pth") and top != "..":
            (folder / top).symlink_to(site / top)
    return os.pathsep.join([str(ROOT), str(folder)])


def light(light_path: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": light_path}
    return subprocess.run([sys.executable, "-S", "-m", "rallyc", *args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=600)  # fmt: skip


def test_the_extras_are_really_absent(light_path: str) -> None:
    probe = "import importlib.util as u; print([u.find_spec(n) is None for n in ('pygit2', 'anthropic', 'pydantic')])"
    done = subprocess.run([sys.executable, "-S", "-c", probe], env={**os.environ, "PYTHONPATH": light_path},
                          capture_output=True, text=True, check=True)  # fmt: skip
    assert done.stdout.strip() == "[True, True, True]"


def test_lint_compile_explain_owners_without_the_extras(light_path: str, tmp_path: Path) -> None:
    assert light(light_path, "lint", "--no-repo", *map(str, EXAMPLES)).returncode == 0
    example = str(EXAMPLES[0])
    assert light(light_path, "explain", example).returncode == 0
    done = light(light_path, "compile", example, "-o", str(tmp_path / "out"), "--target", "codex-subagents")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "plan.json").is_file()


def test_a_run_is_correct_with_git_processes_alone(light_path: str, tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    shell = install_agent(tmp_path / "agent", {"a": {"write": {"src/a.py": "A = 1\n"}},
                                              "b": {"write": {"docs/b.md": "# b\n", "src/a.py": "stolen\n"}}})
    team = ("  - name: one\n    role: implementation\n    owns: [src/**]\n    tasks:\n      - {id: a, do: Write a., estimate: 2s}\n"
            "  - name: two\n    role: documentation\n    owns: [docs/**]\n    tasks:\n      - {id: b, do: Write b., estimate: 2s}\n")
    (repo / "team.rally.yaml").write_text(spec_yaml(shell, team))
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "spec")
    done = light(light_path, "run", "team.rally.yaml", "--no-journal", cwd=repo)
    assert "pip install 'rallyc[fast-git]'" in done.stdout + done.stderr
    assert done.returncode == 1  # `two` wrote src/a.py, which `one` owns: caught without libgit2 too
    assert "Traceback" not in done.stderr
    assert git(repo, "show", f"rally/{_run_id(repo)}/one:src/a.py") == "A = 1"
    assert "src/a.py" not in git(repo, "ls-tree", "-r", "--name-only", f"rally/{_run_id(repo)}/two")


def test_the_anthropic_backend_names_its_extra(light_path: str, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    # a repository of its own: in rallyc's checkout, with this venv on PATH (as `make test` has it), preflight
    # rightly refuses first because the checks would import the checkout's editable install
    repo = make_repo(tmp_path / "repo")
    (repo / "team.rally.yaml").write_text(EXAMPLES[0].read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-test")
    done = light(light_path, "run", "team.rally.yaml", "--dry-run", "--backend", "anthropic", cwd=repo)
    assert "pip install 'rallyc[anthropic]'" in done.stdout + done.stderr


def _run_id(repo: Path) -> str:
    (found,) = (repo / ".rally" / "runs").iterdir()
    return found.name
