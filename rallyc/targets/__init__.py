"""Compile targets: one module each in this package, found by walking it (no registry to edit).

A target module defines `NAME` (the `team.runtime` value it compiles for),
`RUNTIME_FOLDER` (where its runtime files sit in a repository) and
`emit(plan, marker) -> Output`: every file it writes, as paths relative to
OUT, plus notes for the user. Its templates live in `templates/<NAME>/`;
shared parts in `templates/common/`. Helper modules (no `NAME`) sit beside
the targets.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, cast

from rallyc.errors import RallyError

if TYPE_CHECKING:
    from rallyc.compile.hookfile import Group
    from rallyc.plan import Plan


@dataclass(frozen=True, slots=True)
class Output:
    files: dict[str, str]
    """Relative POSIX path under OUT -> text."""
    runtime_files: tuple[str, ...]
    """The subset `--install` copies into the repository, at the same relative paths."""
    notes: tuple[str, ...] = ()
    merged: dict[str, tuple[Group, ...]] = field(default_factory=dict)
    """Hooks files (`.claude/settings.json`, `.codex/hooks.json`) `--install` merges these groups into;
    `files` holds each as it would be created."""


@dataclass(frozen=True, slots=True)
class Target:
    name: str
    runtime_folder: str
    emit: Callable[[Plan, str], Output]


@cache
def targets() -> dict[str, Target]:
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        if hasattr(module, "NAME") and hasattr(module, "emit"):
            emit = cast(Callable[["Plan", str], Output], module.emit)
            found[module.NAME] = Target(module.NAME, module.RUNTIME_FOLDER, emit)
    return dict(sorted(found.items()))


def target_named(name: str) -> Target:
    found = targets()
    if name not in found:
        raise RallyError(f"unknown target {name!r}", hint=f"one of {', '.join(found)}")
    return found[name]
