"""The hooks in .pre-commit-hooks.yaml, run by the real pre-commit.

`pre-commit try-repo` clones the hook repository at a commit. On a checkout with uncommitted work it
makes a "shadow" commit of the tracked changes only (staged files and `git add -u`): a new, untracked
file such as a freshly written .pre-commit-hooks.yaml is not in it ("InvalidManifestError: ...
.pre-commit-hooks.yaml is not a file"). So the hooks are tried from a snapshot: a fresh git repository
holding this checkout's working tree as it is (tracked and untracked files, less what .gitignore
leaves out, symlinks kept), committed once per test session.

try-repo builds its hook environment in a throwaway store every time (about 15 s: a virtualenv and
rallyc installed into it by pip, with whatever index or wheel folder pip is configured for), so it
is used for the two lint cases the integration promises; the other cases go through
`pre-commit run` with a .pre-commit-config.yaml like the one in docs/pre-commit.md, whose
environment is built once in the session's PRE_COMMIT_HOME and then reused.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import NamedTuple

import pre_commit as pre_commit_package  # noqa: F401  (a test extra: missing, it is an error, not a skip)
import pytest

from tests.conftest import ROOT
from tests.integrations.conftest import git

EXAMPLES = ROOT / "specs" / "examples"
BROKEN = ROOT / "specs" / "demo" / "broken.rally.yaml"
TIMEOUT = 900  # a run that builds the hook's virtualenv and installs rallyc into it


class HookRepo(NamedTuple):
    path: Path
    rev: str


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> HookRepo:
    """This checkout's working tree, committed into a repository of its own."""
    snapshot = tmp_path_factory.mktemp("rallyc-checkout")
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=ROOT)
    for name in filter(None, listed.split("\0")):
        source, target = ROOT / name, snapshot / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if source.is_symlink():  # rallyc/schemas -> ../schemas and the like stay links
            target.symlink_to(os.readlink(source))
        elif source.is_file():  # a tracked file deleted in the work tree is left out, as a commit would
            shutil.copy2(source, target)
    git("init", "-q", cwd=snapshot)
    git("add", "-A", cwd=snapshot)
    git("commit", "-q", "-m", "snapshot of the rallyc checkout", cwd=snapshot)
    return HookRepo(snapshot, git("rev-parse", "HEAD", cwd=snapshot).strip())


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty git repository to commit specs into."""
    folder = tmp_path / "project"
    folder.mkdir()
    git("init", "-q", cwd=folder)
    return folder


def pre_commit(project: Path, home: Path, *args: str) -> tuple[int, str]:
    env = {**os.environ, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never", "GIT_CONFIG_NOSYSTEM": "1"}
    env.pop("VIRTUAL_ENV", None)
    done = subprocess.run([sys.executable, "-m", "pre_commit", *args, "--color", "never"], cwd=project, env=env,
                          capture_output=True, text=True, timeout=TIMEOUT, check=False)  # fmt: skip
    return done.returncode, done.stdout + done.stderr


def add(project: Path, name: str, text: str) -> None:
    path = project / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    git("add", name, cwd=project)


def configure(project: Path, repo: HookRepo, hooks: str) -> None:
    """A .pre-commit-config.yaml as docs/pre-commit.md shows it, with the snapshot as the repo."""
    add(project, ".pre-commit-config.yaml", f"repos:\n  - repo: {repo.path}\n    rev: {repo.rev}\n    hooks:\n{hooks}")


def compile_specs(project: Path, *specs: str) -> None:
    for spec in specs:
        done = subprocess.run([sys.executable, "-m", "rallyc", "compile", spec], cwd=project,
                              capture_output=True, text=True, check=False)  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
    git("add", "-A", cwd=project)


def test_try_repo_lint_fails_a_broken_spec_with_located_findings(project: Path, hook_repo: HookRepo,
                                                                 pre_commit_home: Path) -> None:  # fmt: skip
    add(project, "team.rally.yaml", BROKEN.read_text())
    add(project, "notes.yaml", "not: [a spec\n")  # not a *.rally.yaml: the hook must not see it
    code, output = pre_commit(project, pre_commit_home, "try-repo", str(hook_repo.path), "rallyc-lint", "--all-files")
    assert code == 1, output
    assert "rallyc lint" in output and "Failed" in output and "- exit code: 1" in output
    assert "team.rally.yaml:51:9: error RY002[schema-violation] unknown key `verfiy`" in output
    assert "team.rally.yaml:75:9: error RY101[ownership-overlap]" in output
    assert "team.rally.yaml:94:13: error RY201[hidden-read-after-write]" in output
    assert "related: team.rally.yaml:86:18:" in output
    assert "5 errors" in output and "notes.yaml" not in output


def test_try_repo_lint_passes_clean_specs(project: Path, hook_repo: HookRepo, pre_commit_home: Path) -> None:
    add(project, "team.rally.yaml", (EXAMPLES / "refactor.rally.yaml").read_text())
    add(project, "teams/docs.rally.yml", (EXAMPLES / "docs-tests-sweep.rally.yaml").read_text())
    code, output = pre_commit(project, pre_commit_home, "try-repo", str(hook_repo.path), "rallyc-lint", "--all-files")
    assert code == 0, output
    assert "rallyc lint" in output and "Passed" in output


def test_config_runs_both_hooks_and_skips_without_specs(project: Path, hook_repo: HookRepo,
                                                        pre_commit_home: Path) -> None:  # fmt: skip
    configure(project, hook_repo, "      - id: rallyc-lint\n      - id: rallyc-compile-check\n")
    add(project, "README.md", "# nothing to lint\n")
    code, output = pre_commit(project, pre_commit_home, "run", "--all-files")
    assert code == 0, output
    assert "rallyc lint" in output and "rallyc compile --check" in output
    assert output.count("(no files to check)Skipped") == 2


def test_compile_check_catches_a_spec_changed_without_recompiling(project: Path, hook_repo: HookRepo,
                                                                  pre_commit_home: Path) -> None:  # fmt: skip
    """Two specs with committed output (one per call of rallyc compile): in date passes, stale fails."""
    configure(project, hook_repo, "      - id: rallyc-compile-check\n")
    add(project, "team.rally.yaml", (EXAMPLES / "refactor.rally.yaml").read_text())
    add(project, "ops/db.rally.yaml", (EXAMPLES / "db-migration.rally.yaml").read_text())
    compile_specs(project, "team.rally.yaml", "ops/db.rally.yaml")
    assert ".rally/build/payments-split/plan.json" in git("ls-files", cwd=project)

    code, output = pre_commit(project, pre_commit_home, "run", "--all-files")
    assert code == 0 and "Passed" in output, output

    spec = project / "ops" / "db.rally.yaml"
    spec.write_text(spec.read_text().replace("name: email-verified-at", "name: email-verified"))
    git("add", "-A", cwd=project)
    code, output = pre_commit(project, pre_commit_home, "run", "--files", "ops/db.rally.yaml", "team.rally.yaml")
    assert code == 1, output
    assert "ops/.rally/build/email-verified/plan.json: missing" in output
    assert "file(s) out of date; run rallyc compile" in output
    assert "payments-split" not in output  # the other spec was checked too, and is in date


def test_compile_check_on_edited_output_with_wider_files(project: Path, hook_repo: HookRepo,
                                                         pre_commit_home: Path) -> None:  # fmt: skip
    """`files:` widened to the compiled output: a hand edit there fails the hook, with no spec staged."""
    hook = "      - id: rallyc-compile-check\n        files: (\\.rally\\.ya?ml|^\\.rally/build/.*)$\n"
    configure(project, hook_repo, hook)
    add(project, "team.rally.yaml", (EXAMPLES / "refactor.rally.yaml").read_text())
    compile_specs(project, "team.rally.yaml")
    lead = project / ".rally" / "build" / "payments-split" / "lead.md"
    lead.write_text(lead.read_text() + "\nAlso refactor the gateways while you are at it.\n")
    git("add", "-A", cwd=project)
    code, output = pre_commit(project, pre_commit_home, "run", "--files", ".rally/build/payments-split/lead.md")
    assert code == 1, output
    assert ".rally/build/payments-split/lead.md: differs" in output
