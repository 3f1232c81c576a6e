"""Which spec a command given no SPEC works on: one rule for every command.

The `*.rally.yaml` in the current folder, else in the nearest folder above it
that has one, never leaving the repository (the folder holding `.git`; outside
a repository only the current folder counts). Several in that folder are an
error that lists them: guessing would lint one spec and run another.
"""

from __future__ import annotations

import os
from pathlib import Path

from rallyc.errors import RallyError

SPEC_SUFFIXES = (".rally.yaml", ".rally.yml")


def specs_in(folder: Path) -> list[Path]:
    """The specs directly in `folder`, sorted."""
    return sorted({path for suffix in SPEC_SUFFIXES for path in folder.glob(f"*{suffix}") if path.is_file()})


def _folders_up(start: Path) -> list[Path]:
    """`start` and the folders above it up to the repository's top (only `start` outside a repository)."""
    folders = [start, *start.parents]
    top = next((index for index, folder in enumerate(folders) if (folder / ".git").exists()), None)
    return [start] if top is None else folders[: top + 1]


def nearest_spec(start: Path) -> Path | None:
    """The spec of `start` or the nearest folder above it with one; None when there is none."""
    for folder in _folders_up(start.resolve()):
        found = specs_in(folder)
        if len(found) > 1:
            names = ", ".join(path.name for path in found)
            hint = "say which one: give SPEC, or --spec FILE to owners"
            raise RallyError(f"several specs in {_where(folder)}: {names}", hint=hint)
        if found:
            return found[0]
    return None


def find_spec(start: Path) -> Path:
    """What a command that needs one spec uses when given none; a RallyError saying where it looked if none."""
    found = nearest_spec(start)
    if found is None:
        top = _folders_up(start.resolve())[-1]
        where = _where(start) if top == start.resolve() else f"{_where(start)} or above it up to {_where(top)}"
        raise RallyError(f"no *.rally.yaml in {where}", hint="give SPEC, or write one with `rallyc init`")
    return found


def _where(folder: Path) -> str:
    relative = os.path.relpath(folder)
    return "the current folder" if relative == "." else relative
