"""A task's stage, list and commit in process with libgit2 (pygit2), where that is what git itself would do.

After every task the runner stages the worktree (`git add -A`), lists what is
staged against the task's start (`git diff --cached`) and commits it: three
git processes, most of the runner's own cost per task. With eight teammates
finishing together on two cores they queue behind each other (bench/README.md:
scheduling efficiency 0.86-0.90 with git processes, 0.93-0.95 in process). libgit2 does
the same three steps in process.

Only where libgit2 does what git does: `plain_repository` rules out, once per
run, repositories with a filter driver configured (git-lfs and the like run
programs libgit2 does not), `working-tree-encoding` attributes, objects that
are not SHA-1, a split or sparse index, and submodules. A task whose changes
touch a `.gitattributes` file, or that libgit2 cannot stage or list, is
staged and listed again by git itself. Everything else the runner does with
git (worktrees, resets, merges, patches) stays with git.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from rallyc.runner.worktree import Git, GitError

if TYPE_CHECKING:
    import pygit2

LIBGIT2_SWITCH = "RALLYC_LIBGIT2"
"""`RALLYC_LIBGIT2=0` in the environment: git itself for every step, libgit2 never used."""
IDENT = re.compile(r"^(?P<name>.*) <(?P<email>[^>]*)> \d+ [+-]\d{4}$")
PLAIN_ATTRIBUTE = re.compile(rb"working-tree-encoding")


def staging_for(git: Git, top: Path, common_dir: Path, env: Mapping[str, str]) -> Git | LibGit:
    """libgit2 for the steps after each task, unless it could differ from git, is missing or is switched off."""
    if env.get(LIBGIT2_SWITCH, "1") == "0" or not available() or not plain_repository(git, top, common_dir):
        return git
    return LibGit(git, top)


def plain_repository(git: Git, top: Path, common_dir: Path) -> bool:
    """Whether libgit2 stages this repository exactly as git does (the conditions in the module's text)."""
    config = git.run(top, "config", "--list", "-z", check=False).stdout.decode("utf-8", "surrogateescape")
    settings = dict(item.partition("\n")[::2] for item in config.split("\0") if item)
    if any(key.startswith("filter.") for key in settings):
        return False
    if any(settings.get(key, "").lower() in ("true", "yes", "on", "1") for key in
           ("core.splitindex", "core.sparsecheckout", "index.sparse")):  # fmt: skip
        return False
    if settings.get("extensions.objectformat", "sha1").lower() != "sha1" or (top / ".gitmodules").exists():
        return False
    attributes = [common_dir / "info" / "attributes"]
    if settings.get("core.attributesfile"):
        attributes.append(Path(settings["core.attributesfile"]).expanduser())
    listed = git.run(top, "ls-files", "-z", "--", ":(glob)**/.gitattributes", check=False).stdout
    attributes += [top / name for name in listed.decode("utf-8", "surrogateescape").split("\0") if name]
    return not any(PLAIN_ATTRIBUTE.search(_read(path)) for path in attributes)


def available() -> bool:
    try:
        import pygit2  # noqa: F401 - a module of some size: imported only when a run starts
    except ImportError:
        return False
    return True


class LibGit:
    """`stage_all`, `staged_changes` and `commit_index` of `Git`, in process; git itself when libgit2 cannot."""

    def __init__(self, git: Git, top: Path) -> None:
        self.git = git
        self.author = _identity(git, top, "GIT_AUTHOR_IDENT")
        self.committer = _identity(git, top, "GIT_COMMITTER_IDENT")
        self._repositories: dict[Path, pygit2.Repository] = {}
        self._by_git: set[Path] = set()
        """Worktrees whose last staging was git's own (the index on disk is git's; no libgit2 index in memory)."""

    def stage_all(self, worktree: Path, start: str, head: str | None = None) -> None:
        import pygit2

        self.git.squash_onto(worktree, start, head)
        try:
            index = self._repository(worktree).index
            index.read(True)
            index.add_all()
            index.write()
            self._by_git.discard(worktree)
        except (pygit2.GitError, OSError, ValueError, KeyError):
            self._stage_by_git(worktree, start)

    def staged_changes(self, worktree: Path, start: str) -> list[tuple[str, str]]:
        import pygit2

        if worktree not in self._by_git:
            try:
                repository = self._repository(worktree)
                diff = repository.index.diff_to_tree(repository.revparse_single(start).peel(pygit2.Tree))
                found = [_change(delta) for delta in diff.deltas]
                if not any(path.rsplit("/", 1)[-1] == ".gitattributes" for _, path in found):
                    return found
            except (pygit2.GitError, OSError, ValueError, KeyError):
                pass
            self._stage_by_git(worktree, start)  # an attributes file changed what staging means: git's own, again
        return self.git.staged_changes(worktree, start)

    def commit_index(self, worktree: Path, message: str) -> None:
        """Commit the index as staged onto the worktree's branch, as `git commit` would."""
        import pygit2

        if worktree in self._by_git:
            self.git.commit_index(worktree, message)
            return
        repository = self._repository(worktree)
        index = repository.index
        stamp, offset = int(time.time()), _utc_offset_minutes()
        author = pygit2.Signature(*self.author, stamp, offset)
        committer = pygit2.Signature(*self.committer, stamp, offset)
        repository.create_commit("HEAD", author, committer, message, index.write_tree(), [repository.head.target])

    def _stage_by_git(self, worktree: Path, start: str) -> None:
        """The index back to `start` (whatever libgit2 wrote), then staged by git."""
        self.git.run(worktree, "reset", "-q")
        self.git.stage_all(worktree, start, start)
        self._by_git.add(worktree)

    def _repository(self, worktree: Path) -> pygit2.Repository:
        import pygit2

        found = self._repositories.get(worktree)
        if found is None:
            found = self._repositories[worktree] = pygit2.Repository(str(worktree))
        return found


def _change(delta: pygit2.DiffDelta) -> tuple[str, str]:
    import pygit2

    deleted = delta.status == pygit2.enums.DeltaStatus.DELETED
    side = delta.old_file if deleted else delta.new_file
    return ("D" if deleted else delta.status_char(), side.raw_path.decode("utf-8", "surrogateescape"))


def _identity(git: Git, top: Path, variable: str) -> tuple[str, str]:
    """Name and email as git would write them (configuration, environment, the runner's fallback)."""
    found = IDENT.match(git.out(top, "var", variable))
    if found is None:
        raise GitError(f"`git var {variable}` gave no identity in {top}")
    return found["name"], found["email"]


def _utc_offset_minutes() -> int:
    local = time.localtime()
    return (local.tm_gmtoff or 0) // 60


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
