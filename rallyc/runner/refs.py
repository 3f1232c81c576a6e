"""Refs move only by the runner's hand: the run's branches are checked after every task, the user's watched.

The run's refs are `refs/heads/rally/<run-id>/*`. The runner records the commit it sets each of its
branches to (`RunState.heads`, under `Session.refs_lock`, in the same breath as it moves the branch).
After a task, any of them that differs from its record, other than the task's own branch (whose
commits the runner squashes into the task's changes anyway), is put back and reported as that task's
violation; a new ref in the run's namespace is deleted.

The user's refs are all the others, with the main checkout's HEAD, other worktrees' HEADs and the
stash's reflog (dropping a stash entry changes only that). A sandboxed task cannot write them. Without
a sandbox a change while tasks run is reported as a possible violation of the tasks in flight and
blocks `--apply`, but is not reverted: the user may be committing while the team works.

Refs are read from git's files (loose refs, `packed-refs`): no process after every task. A repository
whose refs are in a reftable is asked through `git for-each-ref`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path

from rallyc.files import files_below
from rallyc.runner.names import shown
from rallyc.runner.worktree import Git

STASH_LOG = "logs/refs/stash"


def read_refs(git: Git, top: Path, common: Path) -> dict[str, str]:
    """Every ref of the repository -> its object id (a symbolic ref -> `ref: <target>`), with `HEAD`, each linked
    worktree's HEAD (`worktrees/<name>/HEAD`) and a digest of the stash's reflog."""
    found = _from_git(git, top) if (common / "reftable").is_dir() else _from_files(common)
    for name in ("HEAD", *(f"worktrees/{entry}/HEAD" for entry in _listed(common / "worktrees"))):
        head = _text(common / name)
        if head is not None:
            found[name] = head
    stash = _bytes(common / STASH_LOG)
    if stash is not None:
        found[STASH_LOG] = hashlib.sha1(stash).hexdigest()
    return found


def run_namespace(run_id: str) -> str:
    return f"refs/heads/rally/{run_id}/"


def changes(before: Mapping[str, str], after: Mapping[str, str]) -> list[str]:
    """What differs, in words: `refs/heads/main: 1a2b3c4d5e6f -> 9f8e7d6c5b4a`, `refs/tags/v1: deleted`."""
    said = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name), after.get(name)
        if old != new:
            said.append("the stash's entries changed" if name == STASH_LOG else f"{shown(name)}: {moved(old, new)}")
    return said


def moved(old: str | None, new: str | None) -> str:
    return f"{_short(old) if old else 'none'} -> {_short(new) if new else 'deleted'}"


def _short(value: str) -> str:
    return value if value.startswith("ref:") else value[:12]


def _from_files(common: Path) -> dict[str, str]:
    found: dict[str, str] = {}
    packed = _bytes(common / "packed-refs") or b""
    for line in packed.splitlines():
        if line and line[:1] not in (b"#", b"^"):
            oid, _, ref = line.partition(b" ")
            found[ref.decode("utf-8", "surrogateescape")] = oid.decode("ascii", "replace")
    for name, entry in files_below(str(common), "refs"):
        if not name.endswith(".lock") and (content := _text(Path(entry.path))) is not None:
            found[name] = content  # a loose ref wins over its packed copy
    return found


def _from_git(git: Git, top: Path) -> dict[str, str]:
    text = git.out(top, "for-each-ref", "--format=%(refname)%00%(objectname)%00%(symref)")
    found = {}
    for line in text.splitlines():
        name, value, symbolic = (line.split("\0") + ["", ""])[:3]
        found[name] = f"ref: {symbolic}" if symbolic else value
    return found


def _listed(folder: Path) -> list[str]:
    try:
        return sorted(os.listdir(folder))
    except OSError:
        return []


def _bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None


def _text(path: Path) -> str | None:
    data = _bytes(path)
    return data.decode("utf-8", "surrogateescape").strip() if data is not None else None


def ours(common: Path, worktrees: Path) -> dict[str, str]:
    """`worktrees/<entry>/HEAD` -> the teammate whose worktree (under the run's `worktrees` folder) it is."""
    found = {}
    root = str(worktrees.resolve())
    for entry in _listed(common / "worktrees"):
        gitdir = _text(common / "worktrees" / entry / "gitdir")
        if gitdir is not None and os.path.dirname(os.path.dirname(gitdir)) == root:
            found[f"worktrees/{entry}/HEAD"] = os.path.basename(os.path.dirname(gitdir))
    return found


def split(refs: Mapping[str, str], run_id: str, our_heads: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """(the run's refs and worktree HEADs, the user's refs)."""
    namespace = run_namespace(run_id)
    run = {name: value for name, value in refs.items() if name.startswith(namespace) or name in our_heads}
    return run, {name: value for name, value in refs.items() if name not in run}
