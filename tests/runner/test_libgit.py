"""libgit2 in process must stage, list and commit exactly what git does (or hand the task to git).

The differential test applies the same random changes to two worktrees of one
real repository, stages, lists and commits one with git and the other with
`LibGit`, and compares the changes, the trees and the commits.
"""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
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
    st.tuples(st.just("link"), st.sampled_from(["link", "dir/up", "a.txt"]), st.sampled_from(["b.py", "../a.txt", "/nowhere"])),
    st.tuples(st.just("dir_for_file"), st.sampled_from(["a.txt", "dir/c.txt"]), st.just("")),
    st.tuples(st.just("attributes"), st.sampled_from(["*.u16 working-tree-encoding=UTF-16LE\n", "*.txt text\n"]),
              st.just("")),
)  # fmt: skip

UTF16 = "*.u16 working-tree-encoding=UTF-16LE\n"
_ROUNDS = itertools.count()


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
        elif kind == "force_add":
            git(top, "add", "-f", path)
    # In the past, so not "racily clean", and a whole second after the previous round's: git compares mtimes in
    # seconds, so a file rewritten in the same second at a reused inode would look unchanged to it, and a changed
    # attribute (working-tree-encoding) would then convert it for one side and not the other
    past = time.time() - 1000 + next(_ROUNDS)
    for kind, path, _ in changes:
        if kind == "write" and (top / path).is_file():
            os.utime(top / path, (past, past))


def index_tree(top: Path) -> str:
    return git(top, "write-tree")


def commit(staging: Git | LibGit, top: Path, message: str) -> None:
    """What the runner does after a task: the commit written on no branch, then the branch moved to it."""
    head = git(top, "rev-parse", "HEAD")
    made = staging.commit_object(top, head, None, message)
    git(top, "update-ref", "HEAD", made, head)


def assert_same_as_git(repo: Path, start: str, *rounds: list[tuple[str, str, str]]) -> None:
    """Each round of changes is one task: staged, listed and committed by git in one worktree and by
    `LibGit` in the other, on top of the task before."""
    cli, lib = Git.for_repo(repo), LibGit(Git.for_repo(repo), repo)
    by_git, in_process = worktree(repo, "by-git", start), worktree(repo, "in-process", start)
    for number, changes in enumerate(rounds, 1):
        base = git(by_git, "rev-parse", "HEAD")
        assert git(in_process, "rev-parse", "HEAD^{tree}") == git(by_git, "rev-parse", "HEAD^{tree}")
        apply(by_git, changes)
        apply(in_process, changes)
        expected = sorted(cli.stage_and_list(by_git, base))
        assert sorted(lib.stage_and_list(in_process, git(in_process, "rev-parse", "HEAD"))) == expected
        assert index_tree(in_process) == index_tree(by_git)
        message = f"rally(t{number}): the task\n\nRally-Run: r\nRally-Task: t{number}\n"
        commit(cli, by_git, message)
        commit(lib, in_process, message)
        for top in (by_git, in_process):
            assert git(top, "diff", "--cached", "--name-only") == ""  # the index is the commit
            assert git(top, "status", "--porcelain", "--untracked-files=all") == ""  # nothing left out
        fields = "%T%n%an <%ae>%n%cn <%ce>%n%B"
        assert git(in_process, "log", "-1", f"--format={fields}") == git(by_git, "log", "-1", f"--format={fields}")
    assert git(repo, "fsck", "--no-dangling") == ""


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(rounds=st.lists(st.lists(CHANGE, max_size=5), min_size=1, max_size=2))
@example(rounds=[[("write", "a.u16", "1\n")], [("attributes", UTF16, ""), ("write", "a.u16", "1\n")]])  # same bytes
def test_libgit2_stages_lists_and_commits_what_git_does(repository: tuple[Path, str],
                                                        rounds: list[list[tuple[str, str, str]]]) -> None:  # fmt: skip
    assert_same_as_git(*repository, *rounds)




@pytest.mark.parametrize("rounds", [
    # git converts a working-tree-encoding file on add and libgit2 does not: such a task is git's
    [[("attributes", UTF16, ""), ("write", "a.u16", "1\n")]],
    [[("attributes", UTF16, "")], [("write", "a.u16", "1\n")]],  # the attribute from an earlier task
    [[("attributes", "*.txt text\n", ""), ("write", "a.txt", "two\r\n")]],
    [[("delete", "a.txt", ""), ("write", "dir/new.tmp", "ignored\n"), ("write", "keep.log", "again\n")]],
    [[("dir_for_file", "a.txt", ""), ("link", "dir/up", "../a.txt"), ("chmod", "b.py", "")]],
    [[("link", "a.txt", "b.py")]],  # a file turned into a symlink: one change, T
    # an ignored file the task added by force stays added when git takes over
    [[("attributes", "*.txt text\n", ""), ("write", "build/out.o", "1\n"), ("force_add", "build/out.o", "")]],
], ids=["working-tree-encoding", "encoding-from-an-earlier-task", "eol", "delete-and-ignores", "types-links-modes",
        "file-to-symlink", "forced-add-kept"])  # fmt: skip
def test_the_cases_that_matter_come_out_as_git_makes_them(repository: tuple[Path, str],
                                                          rounds: list[list[tuple[str, str, str]]]) -> None:  # fmt: skip
    assert_same_as_git(*repository, *rounds)


def test_a_type_change_is_one_change(repository: tuple[Path, str]) -> None:
    repo, start = repository
    top = worktree(repo, "in-process", start)
    apply(top, [("link", "a.txt", "b.py")])
    assert LibGit(Git.for_repo(repo), repo).stage_and_list(top, start) == [("T", "a.txt")]


def test_a_message_libgit2_cannot_encode_is_committed_by_git(repository: tuple[Path, str]) -> None:
    repo, start = repository
    lib = LibGit(Git.for_repo(repo), repo)
    top = worktree(repo, "in-process", start)
    apply(top, [("write", "a.txt", "1\n")])
    lib.stage_and_list(top, start)
    commit(lib, top, "rally(t1): a name that is not UTF-8: \udcff\n")
    assert git(top, "rev-parse", "HEAD^") == start and git(top, "status", "--porcelain") == ""


def test_a_task_that_commits_itself_is_squashed_as_git_does(repository: tuple[Path, str]) -> None:
    repo, start = repository
    lib = LibGit(Git.for_repo(repo), repo)
    top = worktree(repo, "in-process", start)
    (top / "a.txt").write_text("changed\n")
    git(top, "commit", "-q", "-am", "the agent's own commit")
    (top / "new.txt").write_text("new\n")
    assert sorted(lib.stage_and_list(top, start, git(top, "rev-parse", "HEAD"))) == [("A", "new.txt"), ("M", "a.txt")]
    commit(lib, top, "rally(t2): squashed\n")
    assert git(top, "rev-parse", "HEAD^") == start


def plain(repo: Path, **env: str) -> bool:
    return plain_repository(Git.for_repo(repo, {**os.environ, **env}), repo, repo / ".git")


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
    (repo / ".gitmodules").unlink()
    assert plain(repo)


def test_settings_git_and_libgit2_read_differently_leave_it_to_git(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    assert not plain(repo, GIT_CONFIG_COUNT="1", GIT_CONFIG_KEY_0="core.autocrlf", GIT_CONFIG_VALUE_0="input")
    assert not plain(repo, GIT_CONFIG_GLOBAL=str(tmp_path / "global"))
    assert not plain(repo, XDG_CONFIG_HOME="")
    assert not plain(repo, GIT_COMMITTER_DATE="2001-01-01T00:00:00")
    config = tmp_path / "xdg"
    (config / "git").mkdir(parents=True)
    (config / "git" / "attributes").write_text("*.txt eol=crlf\n")
    assert not plain(repo, XDG_CONFIG_HOME=str(config))
    assert plain(repo, XDG_CONFIG_HOME=str(tmp_path / "empty"))


def test_a_sha256_repository_is_left_to_git(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", "--object-format=sha256", str(repo)], check=True)
    assert not plain(repo)


def test_an_identity_set_per_branch_is_the_one_git_would_use(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    start = git(repo, "rev-parse", "HEAD")
    (tmp_path / "branch.inc").write_text("[user]\n\tname = Branch Person\n")
    git(repo, "config", "includeIf.onbranch:feature.path", str(tmp_path / "branch.inc"))
    top = tmp_path / "feature"
    git(repo, "worktree", "add", "-q", "-b", "feature", str(top), start)
    lib = LibGit(Git.for_repo(repo), repo)
    (top / "x.txt").write_text("x\n")
    assert lib.stage_and_list(top, start) == [("A", "x.txt")]
    commit(lib, top, "rally(t1): x\n")
    assert git(top, "log", "-1", "--format=%an <%ae>") == "Branch Person <test@example.com>"
