"""libgit2 in process must stage, list and commit exactly what git does (or hand the task to git).

The differential test applies the same random changes to two worktrees of one
real repository, stages, lists and commits one with git and the other with
`LibGit`, and compares the changes, the trees and the commits.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rallyc.runner.libgit import LIBGIT2_SWITCH, LibGit, plain_repository, staging_for
from rallyc.runner.worktree import Git
from tests.runner.scripted import git, make_repo

NAMES = ["a.txt", "b.py", "dir/c.txt", "dir/sub/d.md", "build/out.o", "keep.log", "x.log", "ünï code.txt",
         "with space.txt", ".hidden", "dir/.env", "deep/e/f/g.txt", "a.u16"]  # fmt: skip
IGNORES = "*.log\n!keep.log\nbuild/\n.env\n"
START = {"a.txt": "one\n", "b.py": "print(1)\n", "dir/c.txt": "c\n", "keep.log": "kept\n", "dir/sub/d.md": "# d\n"}


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, str]]:
    repo = make_repo(tmp_path_factory.mktemp("libgit") / "repo")
    for path, text in {**START, ".gitignore": IGNORES, "dir/.gitignore": "*.tmp\n"}.items():
        (repo / path).parent.mkdir(parents=True, exist_ok=True)
        (repo / path).write_text(text)
    os.chmod(repo / "b.py", 0o755)
    (repo / ".git" / "info" / "exclude").write_text("*.secret\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "start")
    yield repo, git(repo, "rev-parse", "HEAD")


def worktree(repo: Path, name: str, start: str) -> Path:
    path = repo.parent / name
    if not path.exists():
        git(repo, "worktree", "add", "-q", "-b", name, str(path), start)
    git(path, "checkout", "-q", "-f", "-B", name, start)
    git(path, "clean", "-q", "-f", "-d", "-x")
    return path


CHANGE = st.one_of(
    st.tuples(st.just("write"), st.sampled_from(NAMES + ["dir/new.tmp", "z.secret"]), st.sampled_from(["1\n", "two\r\n", ""])),
    st.tuples(st.just("delete"), st.sampled_from(sorted(START)), st.just("")),
    st.tuples(st.just("chmod"), st.sampled_from(["a.txt", "b.py"]), st.just("")),
    st.tuples(st.just("link"), st.sampled_from(["link", "dir/up"]), st.sampled_from(["a.txt", "../a.txt", "/nowhere"])),
    st.tuples(st.just("dir_for_file"), st.sampled_from(["a.txt", "dir/c.txt"]), st.just("")),
    st.tuples(st.just("attributes"), st.sampled_from(["*.u16 working-tree-encoding=UTF-16LE\n", "*.txt text\n"]),
              st.just("")),
)  # fmt: skip


def apply(top: Path, changes: list[tuple[str, str, str]]) -> None:
    for kind, path, text in changes:
        full = top / path
        if kind in ("write", "link", "dir_for_file"):
            if full.is_dir() and not full.is_symlink():
                shutil.rmtree(full)
            elif full.exists() or full.is_symlink():
                full.unlink()
            full.parent.mkdir(parents=True, exist_ok=True)
        if kind == "write":
            full.write_bytes(text.encode("utf-16-le") if path.endswith(".u16") else text.encode())
        elif kind == "delete" and (full.is_file() or full.is_symlink()):
            full.unlink()
        elif kind == "chmod" and full.is_file() and not full.is_symlink():
            os.chmod(full, full.stat().st_mode ^ 0o111)
        elif kind == "link":
            os.symlink(text, full)
        elif kind == "dir_for_file":
            full.mkdir()
            (full / "inside.txt").write_text("now a folder\n")
        elif kind == "attributes":
            (top / ".gitattributes").write_text(path)


def index_tree(top: Path) -> str:
    return git(top, "write-tree")


def assert_same_as_git(repo: Path, start: str, changes: list[tuple[str, str, str]]) -> None:
    cli, lib = Git.for_repo(repo), LibGit(Git.for_repo(repo), repo)
    by_git, in_process = worktree(repo, "by-git", start), worktree(repo, "in-process", start)
    apply(by_git, changes)
    apply(in_process, changes)
    cli.stage_all(by_git, start)
    lib.stage_all(in_process, start)
    expected = sorted(cli.staged_changes(by_git, start))
    assert sorted(lib.staged_changes(in_process, start)) == expected
    assert index_tree(in_process) == index_tree(by_git)
    message = "rally(t1): the task\n\nRally-Run: r\nRally-Task: t1\n"
    cli.commit_index(by_git, message)
    lib.commit_index(in_process, message)
    for top in (by_git, in_process):
        assert git(top, "diff", "--cached", "--name-only") == ""  # the index is the commit
        assert git(top, "status", "--porcelain", "--untracked-files=all") == ""  # nothing left out
        assert git(top, "rev-parse", "HEAD^") == start
    fields = "%T%n%an <%ae>%n%cn <%ce>%n%B"
    assert git(in_process, "log", "-1", f"--format={fields}") == git(by_git, "log", "-1", f"--format={fields}")
    assert git(repo, "fsck", "--no-dangling") == ""


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.lists(CHANGE, max_size=6))
def test_libgit2_stages_lists_and_commits_what_git_does(repository: tuple[Path, str],
                                                        changes: list[tuple[str, str, str]]) -> None:  # fmt: skip
    assert_same_as_git(*repository, changes)


@pytest.mark.parametrize("changes", [
    # git converts a working-tree-encoding file on add and libgit2 does not: a task changing attributes is git's
    [("attributes", "*.u16 working-tree-encoding=UTF-16LE\n", ""), ("write", "a.u16", "1\n")],
    [("attributes", "*.txt text\n", ""), ("write", "a.txt", "two\r\n")],
    [("delete", "a.txt", ""), ("write", "dir/new.tmp", "ignored\n"), ("write", "keep.log", "again\n")],
    [("dir_for_file", "a.txt", ""), ("link", "dir/up", "../a.txt"), ("chmod", "b.py", "")],
], ids=["working-tree-encoding", "eol", "delete-and-ignores", "types-links-modes"])  # fmt: skip
def test_the_cases_that_matter_come_out_as_git_makes_them(repository: tuple[Path, str],
                                                          changes: list[tuple[str, str, str]]) -> None:  # fmt: skip
    assert_same_as_git(*repository, changes)


def test_a_task_that_commits_itself_is_squashed_as_git_does(repository: tuple[Path, str]) -> None:
    repo, start = repository
    lib = LibGit(Git.for_repo(repo), repo)
    top = worktree(repo, "in-process", start)
    (top / "a.txt").write_text("changed\n")
    git(top, "commit", "-q", "-am", "the agent's own commit")
    (top / "new.txt").write_text("new\n")
    lib.stage_all(top, start, git(top, "rev-parse", "HEAD"))
    assert sorted(lib.staged_changes(top, start)) == [("A", "new.txt"), ("M", "a.txt")]
    lib.commit_index(top, "rally(t2): squashed\n")
    assert git(top, "rev-parse", "HEAD^") == start


def plain(repo: Path) -> bool:
    return plain_repository(Git.for_repo(repo), repo, repo / ".git")


def test_only_a_plain_repository_is_staged_in_process(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    assert plain(repo)
    assert isinstance(staging_for(Git.for_repo(repo), repo, repo / ".git", {}), LibGit)
    assert isinstance(staging_for(Git.for_repo(repo), repo, repo / ".git", {LIBGIT2_SWITCH: "0"}), Git)
    git(repo, "config", "filter.lfs.clean", "git-lfs clean -- %f")  # a filter runs a program: git's own
    assert not plain(repo)
    git(repo, "config", "--unset", "filter.lfs.clean")
    for key in ("core.splitIndex", "core.sparseCheckout", "index.sparse"):
        git(repo, "config", key, "true")
        assert not plain(repo), key
        git(repo, "config", "--unset", key)
    (repo / "sub").mkdir()
    (repo / "sub" / ".gitattributes").write_text("*.txt working-tree-encoding=UTF-16\n")
    git(repo, "add", "sub/.gitattributes")
    assert not plain(repo)
    git(repo, "rm", "-q", "--cached", "sub/.gitattributes")
    (repo / ".gitmodules").write_text("")
    assert not plain(repo)


def test_a_sha256_repository_is_left_to_git(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", "--object-format=sha256", str(repo)], check=True)
    assert not plain(repo)
