"""Where rallyc writes: paths made of names it checked, that stay inside the folder they belong to.

A spec comes from anyone who can open a pull request, and compile, install and
run name files and folders after its team, teammates and tasks. Lint refuses a
bad name, but a suppression must never be what stands between a name and the
file system: every path written is built here, from a checked name, and checked
again after symbolic links are resolved. An escape is a `RallyError` raised
before anything is written or removed.
"""

from __future__ import annotations

import re
from pathlib import Path

from rallyc.errors import RallyError

NAME = re.compile(r"[a-z][a-z0-9-]{0,63}\Z")
"""The schema's slug: what team names, teammate names and task ids are, and so what files are named after."""
_PART = re.compile(r"(?!\.\.?\Z)[A-Za-z0-9_.-]{1,255}\Z")
"""One part of a relative path rallyc writes: a plain file or folder name, never `.`, `..` or empty."""


def checked_name(name: str, what: str) -> str:
    """`name` when it is a slug, the only names files are made from; else RallyError."""
    if not NAME.match(name):
        raise RallyError(f"{what} {name!r} cannot name a file: a name is [a-z][a-z0-9-]*, 64 characters at most",
                         hint="rallyc lint reports it (RY002); a suppressed finding does not make it usable")  # fmt: skip
    return name


def inside(root: Path, relative: str) -> Path:
    """`root / relative`, once `relative` is a plain relative path that stays below `root` with symlinks resolved."""
    parts = relative.split("/")
    if not all(_PART.match(part) for part in parts):
        raise RallyError(f"refusing to write {relative!r} in {root}: not a plain relative path")
    return contained(root, root.joinpath(*parts))


def contained(root: Path, path: Path) -> Path:
    """`path` when, symbolic links resolved, it lies inside `root` (or is `root`); else RallyError."""
    real_root = root.resolve()
    real = path.resolve()
    if real != real_root and not real.is_relative_to(real_root):
        raise RallyError(f"refusing to write {path}: it leads to {real}, outside {root}",
                         hint="a symbolic link on the way points out of the folder; remove it or write elsewhere")  # fmt: skip
    return path
