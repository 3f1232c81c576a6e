"""A task's stage, list and commit in process with libgit2 (pygit2), where that is what git itself would do.

After every task the runner stages the worktree (`git add -A`), lists what is
staged against the task's start (`git diff --cached`) and commits it: three
git processes, most of the runner's own cost per task. With eight teammates
finishing together on two cores they queue behind each other (bench/README.md:
scheduling efficiency 0.899 with git processes, 0.933 in process, interleaved).
libgit2 does the same three steps in process.

Only where libgit2 does what git does. `staging_for` rules out, once per run:
a filter driver (git-lfs and the like run programs libgit2 does not), a
`working-tree-encoding` attribute, settings git and libgit2 read differently
(`GIT_CONFIG_*` in the environment, or any of `SETTINGS` differing), fixed
commit dates, objects that are not SHA-1, a split or sparse index, and
submodules. Per task, a change to a `.gitattributes` file or to a path with a
`working-tree-encoding` attribute, or anything libgit2 fails at, goes to git:
libgit2's index reaches the disk only once its listing is accepted, so git
then stages from the index exactly as the task left it. Everything else the
runner does with git (worktrees, resets, merges, patches) stays with git.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from rallyc.runner.worktree import Git, GitError

if TYPE_CHECKING:
    import pygit2

LIBGIT2_SWITCH = "RALLYC_LIBGIT2"
"""`RALLYC_LIBGIT2=0` in the environment: git itself for every step, libgit2 never used."""
IDENT = re.compile(r"^(?P<name>.*) <(?P<email>[^>]*)> \d+ [+-]\d{4}$")
ENCODING_ATTRIBUTE = "working-tree-encoding"
SETTINGS = ("core.excludesfile", "core.attributesfile", "core.autocrlf", "core.eol", "core.safecrlf",
            "core.filemode", "core.symlinks", "core.ignorecase", "core.precomposeunicode")  # fmt: skip
"""What decides how files are staged: git's value and libgit2's must be the same."""
GIT_ONLY_ENVIRONMENT = ("GIT_AUTHOR_DATE", "GIT_COMMITTER_DATE")
Change = tuple[str, str]


def staging_for(git: Git, top: Path, common_dir: Path, env: Mapping[str, str]) -> Git | LibGit:
    """libgit2 for the steps after each task, unless it could differ from git, is missing or is switched off."""
    if env.get(LIBGIT2_SWITCH, "1") == "0" or not available() or not plain_repository(git, top, common_dir):
        return git
    return LibGit(git, top)


def available() -> bool:
    try:
        import pygit2  # noqa: F401 - a module of some size: imported only when a run starts
    except ImportError:
        return False
    return True


def plain_repository(git: Git, top: Path, common_dir: Path) -> bool:
    """Whether libgit2 stages and commits in this repository exactly as git does (see the module's text)."""
    import pygit2

    env = git.env
    if any(name.startswith("GIT_CONFIG") or name in GIT_ONLY_ENVIRONMENT for name in env) \
            or env.get("XDG_CONFIG_HOME") == "":  # fmt: skip
        return False
    listed = git.run(top, "config", "--list", "-z", check=False).stdout.decode("utf-8", "surrogateescape")
    settings = dict(item.partition("\n")[::2] for item in listed.split("\0") if item)
    if any(key.startswith("filter.") for key in settings) or (top / ".gitmodules").exists():
        return False
    if any(_true(settings.get(key, "")) for key in ("core.splitindex", "core.sparsecheckout", "index.sparse")):
        return False
    if settings.get("extensions.objectformat", "sha1").lower() != "sha1":
        return False
    try:
        theirs = pygit2.Repository(str(top)).config
        if any(settings.get(key) != _setting(theirs, key) for key in SETTINGS):
            return False
    except pygit2.GitError:
        return False
    if any(_read(path).strip() for path in _global_attribute_files(git.env)):
        return False  # attributes for every repository: whether libgit2 reads the same ones is not worth the risk
    return not any(ENCODING_ATTRIBUTE.encode() in _read(path) for path in _attribute_files(git, top, common_dir, settings))


class LibGit:
    """`stage_and_list` and `commit_index` of `Git`, in process; git itself for a task libgit2 cannot do as git."""

    def __init__(self, git: Git, top: Path) -> None:
        self.git = git
        self._repositories: dict[Path, pygit2.Repository] = {}
        self._identities: dict[Path, tuple[tuple[str, str], tuple[str, str]]] = {}
        # asked of git now, not when eight teammates commit their first task at once; only an `includeIf`
        # can make a worktree's identity differ from the repository's
        self._identity_here = self._ask_identity(top)
        self._identity_per_worktree = bool(git.run(top, "config", "--get-regexp", r"^includeif\.", check=False).stdout)
        self._by_git: set[Path] = set()
        """Worktrees whose last task git staged: git commits it too."""

    def stage_and_list(self, worktree: Path, start: str, head: str | None = None,
                       keep: Sequence[str] = ()) -> list[Change]:  # fmt: skip
        import pygit2

        self.git.squash_onto(worktree, start, head)
        try:
            repository = self._repository(worktree)
            index = repository.index
            index.read(True)
            index.add_all()
            if keep:
                index.remove_all(list(keep))
            tree = repository.revparse_single(start).peel(pygit2.Tree)
            diff = index.diff_to_tree(tree, flags=pygit2.enums.DiffOption.INCLUDE_TYPECHANGE)
            found = [_change(delta) for delta in diff.deltas]
            if not _needs_git(repository, found):
                index.write()
                self._by_git.discard(worktree)
                return found
        except (pygit2.GitError, OSError, ValueError, KeyError):
            pass  # nothing was written: git stages from the index as the task left it
        self._by_git.add(worktree)
        return self.git.stage_and_list(worktree, start, start, keep)

    def commit_object(self, worktree: Path, parent: str, tree: str | None, message: str) -> str:
        """A commit of `tree` (else the index as staged) on `parent`, as `git commit-tree` writes it; no branch moves."""
        import pygit2

        if worktree not in self._by_git:
            try:
                repository = self._repository(worktree)
                author, committer = self._identity(worktree)
                stamp, offset = int(time.time()), _utc_offset_minutes()
                written = pygit2.Oid(hex=tree) if tree else repository.index.write_tree()
                return str(repository.create_commit(None, pygit2.Signature(*author, stamp, offset),
                                                    pygit2.Signature(*committer, stamp, offset), message, written,
                                                    [pygit2.Oid(hex=parent)]))  # fmt: skip
            except (pygit2.GitError, ValueError):  # a message git takes and libgit2 cannot encode, say
                pass
        return self.git.commit_object(worktree, parent, tree, message)

    def move_branch(self, worktree: Path, branch: str, new: str, old: str) -> None:
        """`Git.move_branch` in process: `branch` goes from `old` to `new`, or the call fails."""
        import pygit2

        try:
            reference = self._repository(worktree).references[f"refs/heads/{branch}"]
            if str(reference.target) == old:
                reference.set_target(pygit2.Oid(hex=new), "rallyc")
                return
        except (pygit2.GitError, KeyError, ValueError):
            pass
        self.git.move_branch(worktree, branch, new, old)

    def dirty_paths(self, worktree: Path) -> list[str]:
        """`Git.dirty_paths`, in process."""
        import pygit2

        try:
            status = self._repository(worktree).status(untracked_files="all")
        except (pygit2.GitError, OSError, ValueError):
            return self.git.dirty_paths(worktree)
        ignored = pygit2.enums.FileStatus.IGNORED
        return [path for path, flags in status.items() if flags != pygit2.enums.FileStatus.CURRENT and not flags & ignored]

    def _repository(self, worktree: Path) -> pygit2.Repository:
        import pygit2

        found = self._repositories.get(worktree)
        if found is None:
            found = self._repositories[worktree] = pygit2.Repository(str(worktree))
        return found

    def _identity(self, worktree: Path) -> tuple[tuple[str, str], tuple[str, str]]:
        """Author and committer as git would write them in this worktree (configuration, `includeIf`, the
        environment, the runner's fallback)."""
        if not self._identity_per_worktree:
            return self._identity_here
        if worktree not in self._identities:
            self._identities[worktree] = self._ask_identity(worktree)
        return self._identities[worktree]

    def _ask_identity(self, folder: Path) -> tuple[tuple[str, str], tuple[str, str]]:
        return _ident(self.git, folder, "GIT_AUTHOR_IDENT"), _ident(self.git, folder, "GIT_COMMITTER_IDENT")


def _needs_git(repository: pygit2.Repository, changes: list[Change]) -> bool:
    """Whether git must stage this task: it changes attributes, or a file git converts and libgit2 does not."""
    for status, path in changes:
        if path.rsplit("/", 1)[-1] == ".gitattributes":
            return True
        if status != "D" and repository.get_attr(path, ENCODING_ATTRIBUTE) not in (None, False):
            return True
    return False


def _change(delta: pygit2.DiffDelta) -> Change:
    import pygit2

    deleted = delta.status == pygit2.enums.DeltaStatus.DELETED
    side = delta.old_file if deleted else delta.new_file
    return delta.status_char(), side.raw_path.decode("utf-8", "surrogateescape")


def _global_attribute_files(env: Mapping[str, str]) -> list[Path]:
    """The user's default attributes file and the system's."""
    config = Path(env.get("XDG_CONFIG_HOME") or Path(env.get("HOME") or Path.home()) / ".config")
    return [config / "git" / "attributes", Path("/etc/gitattributes")]


def _attribute_files(git: Git, top: Path, common_dir: Path, settings: Mapping[str, str]) -> list[Path]:
    """The attributes files of this repository: tracked `.gitattributes`, info/attributes, core.attributesFile."""
    found = [common_dir / "info" / "attributes"]
    if settings.get("core.attributesfile"):
        found.append(Path(os.path.expanduser(settings["core.attributesfile"])))
    listed = git.run(top, "ls-files", "-z", "--", ":(glob)**/.gitattributes", check=False).stdout
    return found + [top / name for name in listed.decode("utf-8", "surrogateescape").split("\0") if name]


def _setting(config: pygit2.Config, key: str) -> str | None:
    try:
        return str(config[key])
    except KeyError:
        return None


def _true(value: str) -> bool:
    return value.lower() in ("true", "yes", "on", "1")


def _ident(git: Git, worktree: Path, variable: str) -> tuple[str, str]:
    found = IDENT.match(git.out(worktree, "var", variable))
    if found is None:
        raise GitError(f"`git var {variable}` gave no identity in {worktree}")
    return found["name"], found["email"]


def _utc_offset_minutes() -> int:
    return (time.localtime().tm_gmtoff or 0) // 60


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:
        return b""
