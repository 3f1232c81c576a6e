"""Git, as the runner uses it: worktrees, branches, staged changes, commits, merges and replays.

Every call is one `git` process (`subprocess`, no library; the three steps
after each task may run in process instead: `libgit.py`). The runner's own
git never runs the user's hooks, never signs, never garbage-collects in the
middle of a run, and speaks the C locale so messages can be matched. Commits
carry the trailers `Rally-Run` and `Rally-Task`; `task_commits` finds them on
a branch, which is how a resumed run knows which tasks are done whatever the
state file says.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from rallyc.errors import RallyError

GIT_OPTIONS = ("-c", "core.hooksPath=/dev/null", "-c", "commit.gpgSign=false", "-c", "tag.gpgSign=false",
               "-c", "gc.auto=0", "-c", "maintenance.auto=false", "-c", "core.quotePath=false")  # fmt: skip
FALLBACK_NAME = "rallyc"
FALLBACK_EMAIL = "rallyc@localhost"
GIT_TIMEOUT_SECONDS = 300


class GitError(RallyError):
    """A git command failed; the message names the command and git's own words."""


@dataclass(frozen=True, slots=True)
class Git:
    """Runs git for one repository, with the identity and environment the runner's commits use."""

    env: Mapping[str, str]

    @classmethod
    def for_repo(cls, root: Path, base_env: Mapping[str, str] | None = None) -> Git:
        env = {**(base_env if base_env is not None else os.environ), "LC_ALL": "C", "GIT_TERMINAL_PROMPT": "0"}
        env.pop("GIT_DIR", None)
        env.pop("GIT_WORK_TREE", None)
        env.pop("GIT_INDEX_FILE", None)
        probe = cls(env)
        named = probe.out(root, "config", "user.name", check=False) and probe.out(root, "config", "user.email", check=False)
        if not named:
            env.update(GIT_AUTHOR_NAME=FALLBACK_NAME, GIT_AUTHOR_EMAIL=FALLBACK_EMAIL,
                       GIT_COMMITTER_NAME=FALLBACK_NAME, GIT_COMMITTER_EMAIL=FALLBACK_EMAIL)  # fmt: skip
        return cls(env)

    def run(self, cwd: Path, *args: str, check: bool = True, data: bytes | None = None,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[bytes]:  # fmt: skip
        """`env`: variables set for this call only, on top of the runner's."""
        argv = ["git", *GIT_OPTIONS, *args]
        try:
            done = subprocess.run(argv, cwd=cwd, env={**self.env, **(env or {})}, input=data, capture_output=True,
                                  timeout=GIT_TIMEOUT_SECONDS, check=False)  # fmt: skip
        except FileNotFoundError as error:
            raise GitError("git is not installed (or not on PATH)") from error
        except subprocess.TimeoutExpired as error:
            raise GitError(f"`git {' '.join(args)}` took longer than {GIT_TIMEOUT_SECONDS}s in {cwd}") from error
        if check and done.returncode != 0:
            said = done.stderr.decode("utf-8", "replace").strip().splitlines()
            raise GitError(f"`git {' '.join(args)}` failed in {cwd}: {said[-1] if said else f'exit {done.returncode}'}")
        return done

    def out(self, cwd: Path, *args: str, check: bool = True) -> str:
        return self.run(cwd, *args, check=check).stdout.decode("utf-8", "surrogateescape").strip()

    def ok(self, cwd: Path, *args: str) -> bool:
        return self.run(cwd, *args, check=False).returncode == 0

    # ---- the repository ----------------------------------------------------------

    def toplevel(self, folder: Path) -> Path | None:
        if not folder.is_dir():
            return None
        done = self.run(folder, "rev-parse", "--show-toplevel", check=False)
        return Path(done.stdout.decode("utf-8", "surrogateescape").strip()) if done.returncode == 0 else None

    def prefix(self, folder: Path) -> str:
        """`folder` relative to its work tree's top, POSIX, with a trailing `/` (empty at the top)."""
        return self.out(folder, "rev-parse", "--show-prefix")

    def common_dir(self, root: Path) -> Path:
        found = Path(self.out(root, "rev-parse", "--git-common-dir"))
        return found if found.is_absolute() else (root / found).resolve()

    def commit_of(self, root: Path, ref: str) -> str | None:
        done = self.run(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
        return done.stdout.decode().strip() if done.returncode == 0 else None

    def tracked_changes(self, root: Path) -> list[str]:
        """Tracked files changed in the checkout at `root` (staged or not); untracked files are not counted."""
        done = self.run(root, "status", "--porcelain", "-z", "--untracked-files=no")
        text = done.stdout.decode("utf-8", "surrogateescape")
        return [entry[3:] for entry in text.split("\0") if len(entry) > 3]

    def current_branch(self, root: Path) -> str | None:
        done = self.run(root, "symbolic-ref", "-q", "--short", "HEAD", check=False)
        if done.returncode != 0:
            return None
        return done.stdout.decode().strip() or None

    def is_ancestor(self, root: Path, older: str, newer: str) -> bool:
        return self.ok(root, "merge-base", "--is-ancestor", older, newer)

    def branch_exists(self, root: Path, branch: str) -> bool:
        return self.ok(root, "show-ref", "--verify", "--quiet", f"refs/heads/{branch}")

    def branches(self, root: Path, pattern: str) -> list[str]:
        text = self.out(root, "for-each-ref", "--format=%(refname:short)", f"refs/heads/{pattern}")
        return [line for line in text.splitlines() if line]

    def delete_branch(self, root: Path, branch: str) -> None:
        self.run(root, "branch", "-D", "--", branch, check=False)

    # ---- worktrees ----------------------------------------------------------------

    def add_worktree(self, root: Path, path: Path, branch: str, start: str, *, new: bool = False) -> None:
        """A worktree at `path` on `branch`: created from `start`, or the existing branch checked out again.

        `new`: the branch cannot exist yet (a run's first worktrees), which saves two git processes; a file git
        could not check out (it says `error:` and goes on) is a GitError then, before any task sees a worktree that
        differs from its branch.
        """
        if new:
            done = self.run(root, "worktree", "add", "-q", "-b", branch, str(path), start)
            errors = [line for line in done.stderr.decode("utf-8", "replace").splitlines() if line.startswith("error:")]
            if errors:
                raise GitError("; ".join(errors))
            return
        if path.is_dir() and (path / ".git").exists():
            return
        self.run(root, "worktree", "prune")
        if self.branch_exists(root, branch):
            self.run(root, "worktree", "add", "-f", "-q", str(path), branch)
        else:
            self.run(root, "worktree", "add", "-f", "-q", "-b", branch, str(path), start)

    def remove_worktrees(self, root: Path, paths: Sequence[Path]) -> None:
        """Several worktrees at once: their folders deleted, then one prune (not two git processes each)."""
        import shutil

        for path in paths:
            shutil.rmtree(path, ignore_errors=True)
        self.run(root, "worktree", "prune", check=False)

    def reset_to(self, worktree: Path, branch: str, commit: str, keep: Sequence[str] = ()) -> None:
        """Put `worktree` on `branch` at `commit`, with no change of any kind (untracked files removed, but for the
        paths in `keep`: what its set-up made)."""
        self.run(worktree, "checkout", "-q", "-f", "-B", branch, commit)
        self.run(worktree, "clean", "-q", "-f", "-d", *_kept(keep))

    def abandon_operations(self, worktree: Path) -> None:
        """Forget a merge, cherry-pick or rebase a killed process left half-done (the tree is reset after)."""
        for operation in ("merge", "cherry-pick", "rebase"):
            self.run(worktree, operation, "--quit" if operation != "merge" else "--abort", check=False)

    def clean_worktree(self, worktree: Path, keep: Sequence[str] = ()) -> None:
        """Drop every change (tracked and untracked; ignored files and the paths in `keep` stay) and any half-done
        merge."""
        self.run(worktree, "reset", "-q", "--hard")
        self.run(worktree, "clean", "-q", "-f", "-d", *_kept(keep))

    def head(self, worktree: Path) -> str:
        return self.out(worktree, "rev-parse", "HEAD")

    # ---- a task's changes ---------------------------------------------------------

    def branch_head(self, root: Path, common_dir: Path, branch: str) -> str | None:
        """The commit `branch` points at: read from its loose ref file (no process), else asked of git."""
        try:
            text = (common_dir / "refs" / "heads" / branch).read_text(encoding="ascii").strip()
            if len(text) in (40, 64):
                return text
        except (OSError, UnicodeDecodeError):
            pass
        return self.commit_of(root, f"refs/heads/{branch}")

    def stage_and_list(self, worktree: Path, start: str, head: str | None = None,
                       keep: Sequence[str] = ()) -> list[tuple[str, str]]:  # fmt: skip
        """Stage every change since `start` but the paths in `keep` (commits the agent made itself are squashed
        into the index) and list them: (status letter, path from the top of the repository)."""
        self.squash_onto(worktree, start, head)
        self.run(worktree, "add", "-A", "--", ".", *(f":(exclude,literal){path}" for path in keep))
        return self.staged_changes(worktree, start)

    def squash_onto(self, worktree: Path, start: str, head: str | None = None) -> None:
        """Commits the agent made itself since `start` become staged changes: HEAD back at `start`."""
        if (head or self.head(worktree)) != start:
            self.run(worktree, "reset", "-q", "--soft", start)

    def staged_changes(self, worktree: Path, start: str) -> list[tuple[str, str]]:
        """(status letter, path from the top of the repository) for each staged change against `start`."""
        text = self.run(worktree, "diff", "--cached", "--name-status", "--no-renames", "-z", start, "--").stdout
        fields = text.decode("utf-8", "surrogateescape").split("\0")
        return [(fields[i][:1], fields[i + 1]) for i in range(0, len(fields) - 1, 2) if fields[i]]

    def staged_patch(self, worktree: Path, start: str, leave_out: Sequence[str] = ()) -> bytes:
        """The staged changes since `start`, binary files included; the paths in `leave_out` are left out."""
        excluded = [f":(exclude,literal){path}" for path in leave_out]
        return self.run(worktree, "diff", "--cached", "--binary", "--no-renames", start, "--", *(["."] if excluded else []),
                        *excluded).stdout  # fmt: skip

    def patch_between(self, worktree: Path, old: str, new: str) -> bytes:
        return self.run(worktree, "diff", "--binary", "--no-renames", old, new, "--").stdout

    def dirty_paths(self, worktree: Path) -> list[str]:
        """Paths that differ from HEAD in the worktree or its index, untracked files included (ignored ones not);
        never takes the index lock (this also reads your checkout while you may be working in it)."""
        text = self.run(worktree, "status", "--porcelain=v1", "-z", "--untracked-files=all", "--no-renames",
                        env={"GIT_OPTIONAL_LOCKS": "0"}).stdout  # fmt: skip
        return [entry[3:] for entry in text.decode("utf-8", "surrogateescape").split("\0") if len(entry) > 3]

    def commit_object(self, worktree: Path, parent: str, tree: str | None, message: str) -> str:
        """A commit of `tree` (else the index as staged) on `parent`, written without moving any branch."""
        return self.commit_tree(worktree, tree or self.write_tree(worktree), [parent], message)

    def set_ref(self, root: Path, ref: str, value: str | None) -> None:
        """Put `ref` back to `value`, or delete it (None); whatever it holds now."""
        if value is None:
            self.run(root, "update-ref", "--no-deref", "-d", ref, check=False)
        elif value.startswith("ref: "):
            self.run(root, "symbolic-ref", ref, value[5:], check=False)
        else:
            self.run(root, "update-ref", "--no-deref", "-m", "rallyc: put back", ref, value, check=False)

    def write_tree(self, worktree: Path) -> str:
        return self.out(worktree, "write-tree")

    def commit_tree(self, worktree: Path, tree: str, parents: Sequence[str], message: str) -> str:
        args = ["commit-tree", tree]
        for parent in parents:
            args += ["-p", parent]
        return self.run(worktree, *args, data=message.encode("utf-8", "surrogateescape")).stdout.decode().strip()

    def move_branch(self, worktree: Path, branch: str, new: str, old: str) -> None:
        """Compare-and-swap: `branch` goes from `old` to `new`, or the call fails."""
        self.run(worktree, "update-ref", "-m", "rallyc", f"refs/heads/{branch}", new, old)

    # ---- merging ---------------------------------------------------------------------

    def merge(self, worktree: Path, commit: str, message: str) -> list[str] | None:
        """Merge `commit` into the worktree's branch; the conflicting paths (merge aborted) or None."""
        done = self.run(worktree, "merge", "-q", "--no-edit", "-m", message, commit, check=False)
        if done.returncode == 0:
            return None
        return self._conflicts_then(worktree, "merge", done)

    def replay(self, worktree: Path, commits: Sequence[str]) -> list[str] | None:
        """Cherry-pick `commits` in order onto the worktree's HEAD; the conflicting paths (aborted) or None."""
        if not commits:
            return None
        done = self.run(worktree, "cherry-pick", "--allow-empty", "--keep-redundant-commits", *commits, check=False)
        if done.returncode == 0:
            return None
        return self._conflicts_then(worktree, "cherry-pick", done)

    def _conflicts_then(self, worktree: Path, operation: str, done: subprocess.CompletedProcess[bytes]) -> list[str]:
        paths = self.out(worktree, "diff", "--name-only", "--diff-filter=U").splitlines()
        self.run(worktree, operation, "--abort", check=False)
        self.clean_worktree(worktree)
        if paths:
            return paths
        said = (done.stderr or done.stdout).decode("utf-8", "replace").strip().splitlines()
        return [said[-1] if said else f"git {operation} failed"]

    # ---- finding a run's commits -----------------------------------------------------

    def task_commits(self, root: Path, base: str, branch: str, run_id: str) -> list[tuple[str, str]]:
        """(task id, commit) for each commit of this run on `branch` since `base`, oldest first."""
        if not self.branch_exists(root, branch):
            return []
        fmt = ("%H%x1f%(trailers:key=Rally-Run,valueonly,separator=%x1d)"
               "%x1f%(trailers:key=Rally-Task,valueonly,separator=%x1d)%x1e")  # fmt: skip
        text = self.out(root, "log", "--reverse", "--no-merges", f"--format={fmt}", f"{base}..{branch}", "--")
        found = []
        for record in text.split("\x1e"):
            parts = record.strip().split("\x1f")
            if len(parts) == 3 and parts[1].strip() == run_id and parts[2].strip():
                found.append((parts[2].strip(), parts[0]))
        return found

    def changes_between(self, root: Path, old: str, new: str) -> list[tuple[str, str]]:
        """(status letter, path) for each change from `old` to `new` (trees or commits)."""
        text = self.run(root, "diff-tree", "-r", "-z", "--name-status", "--no-renames", old, new).stdout
        fields = text.decode("utf-8", "surrogateescape").split("\0")
        return [(fields[i][:1], fields[i + 1]) for i in range(0, len(fields) - 1, 2) if fields[i]]

    def tree_without(self, worktree: Path, commit: str, source: str, paths: Sequence[str]) -> str:
        """The tree of `commit` with `paths` as `source` has them (gone where `source` has none), in a scratch index."""
        import tempfile

        with tempfile.TemporaryDirectory(prefix="rallyc-index-") as scratch:
            env = {"GIT_INDEX_FILE": str(Path(scratch) / "index"), "GIT_LITERAL_PATHSPECS": "1"}
            self.run(worktree, "read-tree", commit, env=env)
            self.run(worktree, "reset", "-q", source, "--pathspec-from-file=-", "--pathspec-file-nul",
                     data="\0".join(paths).encode("utf-8", "surrogateescape"), env=env)  # fmt: skip
            return self.run(worktree, "write-tree", env=env).stdout.decode().strip()

    def first_parent(self, root: Path, commit: str) -> str | None:
        return self.commit_of(root, f"{commit}^1")


def _kept(paths: Sequence[str]) -> list[str]:
    """`git clean` options that leave `paths` (from the worktree's top) alone: ignore patterns anchored at the top,
    with gitignore's special characters escaped."""
    escaped = ("/" + "".join("\\" + char if char in "*?[]\\!# " else char for char in path.rstrip("/")) for path in paths)
    return [option for pattern in escaped for option in ("-e", pattern)]

