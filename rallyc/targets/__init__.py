"""Compile targets: one module each in this package, found by walking it (no registry to edit).

A target module holds a descriptor, `TARGET = Target(...)`: the `team.runtime`
value it compiles for, a line on what that runtime is, where its files go in
a repository, the token overhead a spec without `budget.overhead` is
estimated with, whose models its agents run (what `rallyc.models` keeps in,
or leaves out of, an agent file) and `emit(plan, marker) -> Output`: every
file it writes, as paths relative to OUT, plus notes for the user. Its
templates live in `templates/<name>/`; shared parts in `templates/common/`.
Helper modules (no `TARGET`) sit beside the targets.

What lint and the CLI need of the descriptors (names, overheads, model
policy) is copied into `rallyc.catalog` by `make schemas`, so `rallyc lint`
imports no target.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING

from rallyc.errors import RallyError
from rallyc.guard.plan import GUARD_FOLDER
from rallyc.models import Provider

if TYPE_CHECKING:
    from rallyc.hookfile import Group
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
    """The `team.runtime` value (and `rallyc compile --target`) it compiles for."""
    summary: str
    """What the runtime is, in one sentence: for the schema, the docs and the CLI's help."""
    runtime_folder: str
    """Where its agent files go in a repository (`.claude/agents`); the guard's plan goes to `rally/`
    beside that folder."""
    hooks_file: str
    """The runtime's hooks file: what `--install` merges the guard's hooks into, and uninstall looks in."""
    overhead: float
    """The token multiplier over a single session when the spec sets no `budget.overhead`."""
    agent_models: Provider
    """Whose models its agents run: a model of another provider is left out of its agent files."""
    emit: Callable[[Plan, str], Output]

    @property
    def install_folders(self) -> tuple[str, str]:
        """The folders its runtime files go into: the agent files', and the guard's plan's."""
        return self.runtime_folder, f"{self.runtime_folder.split('/')[0]}/{GUARD_FOLDER}"


@cache
def targets() -> dict[str, Target]:
    found = {}
    for info in pkgutil.iter_modules(__path__):
        descriptor = getattr(importlib.import_module(f"{__name__}.{info.name}"), "TARGET", None)
        if isinstance(descriptor, Target):
            found[descriptor.name] = descriptor
    return dict(sorted(found.items()))


def target_named(name: str) -> Target:
    found = targets()
    if name not in found:
        raise RallyError(f"unknown target {name!r}", hint=f"one of {', '.join(found)}")
    return found[name]
