"""Enforcement: what a task changed, checked against its teammate's `owns` and against the repository.

A task may change only paths its teammate owns (the glob algebra decides,
as the linter does on paper). Besides the ownership of each changed path, a
changed path may not be a symlink that points outside the worktree, a hard
link (its content is shared with a name elsewhere, possibly outside the
worktree: writing one writes the other), or a file larger than
`run.max_file_mib`; and the task may not touch git itself: the worktree's
`.git` file, the repository's hooks and config. `GitGuard` takes a snapshot
of those before the backend runs, and afterwards reports and undoes any
change, keeping the changed copy next to the task's patch.
"""

from __future__ import annotations

import os
import shutil
import stat
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from rallyc.files import files_below
from rallyc.globs import GlobSet
from rallyc.runner.names import shown

GUARDED = ("config", "hooks", "info")
"""What GitGuard watches in the repository's git folder (the worktrees' shared `.git`)."""


@dataclass(frozen=True, slots=True)
class Breach:
    path: str
    """Relative to team.repo (or `.git...` for git's own files), as git gave it (`names.py`)."""
    why: str
    oversized: bool = False
    """A file over `run.max_file_mib`: its patch records its name and size, not its content."""

    def __str__(self) -> str:
        return f"{shown(self.path)} ({self.why})"


def ownership_breaches(changes: Sequence[tuple[str, str]], owns: GlobSet, prefix: str, top: Path | None,
                       max_bytes: float | None = None) -> list[Breach]:  # fmt: skip
    """Each changed path outside `owns` or outside team.repo; with the worktree's `top`, also a symlink leading out
    of it, a hard link, or a file over `max_bytes`.

    `changes` are (status letter, path from the top of the worktree); `prefix`
    is team.repo relative to that top (`""` or `sub/dir/`).
    """
    found = []
    for status, path in changes:
        relative = path[len(prefix):] if path.startswith(prefix) else None
        deleted = status == "D"
        if relative is None:
            found.append(Breach(path, "outside team.repo"))
        elif not owns.matches(relative):
            found.append(Breach(relative, "deleted, not owned" if deleted else "not owned"))
        elif not deleted and top is not None and (breach := _file_breach(top, path, relative, max_bytes)) is not None:
            found.append(breach)
    return found


def _file_breach(top: Path, path: str, relative: str, max_bytes: float | None) -> Breach | None:
    """What is wrong with the file a task wrote at `path` itself: where it leads, what it shares, its size."""
    if (target := outside_link(top, path)) is not None:
        return Breach(relative, f"symlink to {shown(target)}, outside the worktree")
    info = _lstat(str(top / path))
    if info is None or not stat.S_ISREG(info.st_mode):
        return None
    if info.st_nlink > 1:
        return Breach(relative, f"a hard link ({info.st_nlink} names share its content, possibly outside the worktree)")
    if max_bytes is not None and info.st_size > max_bytes:
        mib = info.st_size / (1 << 20)
        return Breach(relative, f"{mib:.1f} MiB, over run.max_file_mib ({max_bytes / (1 << 20):g})", oversized=True)
    return None


def outside_link(top: Path, path: str) -> str | None:
    """The target of `path` when it is a symlink resolving outside `top`, else None."""
    full = top / path
    try:
        if not stat.S_ISLNK(os.lstat(full).st_mode):
            return None
        target = os.readlink(full)
    except OSError:
        return None
    resolved = os.path.realpath(full)
    root = os.path.realpath(top)
    return None if resolved == root or resolved.startswith(root + os.sep) else target


class GitGuard:
    """What git itself keeps, watched for a whole session: each worktree's `.git` file and the repository's
    hooks, config and info. Taken once (contents, and a stat signature per file); after each task a
    changed signature makes the content compare, and a real change is reported, saved and undone.

    Shared by the teammates working in parallel: a change is blamed on the task whose check finds it
    first, which with several teammates at work need not be the one that made it (it is undone either way).
    """

    def __init__(self, common_dir: Path) -> None:
        self.common_dir = common_dir
        self.files = {relative: (_signature(common_dir / relative), content)
                      for relative, content in _snapshot(common_dir).items()}  # fmt: skip
        self.gitfiles: dict[Path, tuple[tuple[int, ...] | None, bytes | None]] = {}
        self.lock = threading.Lock()

    def watch(self, worktree: Path) -> None:
        if worktree not in self.gitfiles:
            self.gitfiles[worktree] = (_signature(worktree / ".git"), _read(worktree / ".git"))

    def breaches(self, worktree: Path, keep: Path) -> list[Breach]:
        """What changed since the snapshot; each change is undone, the changed copy saved under `keep`."""
        found = []
        gitfile = worktree / ".git"
        signature, content = self.gitfiles[worktree]
        if _signature(gitfile) != signature and _read(gitfile) != content:
            found.append(Breach(".git", "the worktree's link to the repository was changed"))
            _save(gitfile, keep / "worktree.git")
            _restore(gitfile, content)
            self.gitfiles[worktree] = (_signature(gitfile), content)
        with self.lock:
            for relative in self._changed():
                found.append(Breach(f".git/{relative}", "git's own files are not the task's to change"))
                _save(self.common_dir / relative, keep / "git" / relative)
                before = self.files.get(relative)
                _restore(self.common_dir / relative, before[1] if before else None)
                if before:
                    self.files[relative] = (_signature(self.common_dir / relative), before[1])
        return found

    def _changed(self) -> list[str]:
        now = _signatures(self.common_dir)
        if len(now) == len(self.files) and all(
            relative in self.files and self.files[relative][0] == signature for relative, signature in now.items()
        ):
            return []  # the usual case: nothing to read
        changed = []
        for relative in sorted(set(now) | set(self.files)):
            before = self.files.get(relative)
            if before is None or relative not in now:
                changed.append(relative)
            elif now[relative] != before[0] and _read(self.common_dir / relative) != before[1]:
                changed.append(relative)
        return changed


def _signatures(common_dir: Path) -> dict[str, tuple[int, ...]]:
    """Relative path -> stat signature of every file under GUARDED (strings and scandir: it runs after
    every task)."""
    found: dict[str, tuple[int, ...]] = {}
    base = str(common_dir)
    for name in GUARDED:
        info = _lstat(os.path.join(base, name))
        if info is None:
            continue
        if not stat.S_ISDIR(info.st_mode):
            found[name] = _signed(info)
            continue
        for relative, entry in files_below(base, name):
            if (info := _lstat(entry.path)) is not None:
                found[relative] = _signed(info)
    return found


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except OSError:
        return None


def _signed(info: os.stat_result) -> tuple[int, ...]:
    return (info.st_mtime_ns, info.st_size, info.st_ino, info.st_mode)


def _signature(path: Path) -> tuple[int, ...] | None:
    info = _lstat(str(path))
    return None if info is None else _signed(info)


def _snapshot(common_dir: Path) -> dict[str, bytes]:
    found = {}
    for relative in _signatures(common_dir):
        content = _read(common_dir / relative)
        if content is not None:
            found[relative] = content
    return found


def _read(path: Path) -> bytes | None:
    try:
        if path.is_symlink() or not path.is_file():
            return None if not path.is_symlink() else b"symlink:" + os.readlink(path).encode()
        return path.read_bytes()
    except OSError:
        return None


def _save(source: Path, copy: Path) -> None:
    try:
        if source.is_file() and not source.is_symlink():
            copy.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, copy)
    except OSError:
        pass


def _restore(path: Path, content: bytes | None) -> None:
    """Put back what was there (remove what was not), whatever is in the way now."""
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.is_dir():
        shutil.rmtree(path)
    if content is not None and not content.startswith(b"symlink:"):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
