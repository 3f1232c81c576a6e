"""Who owns a path, like a CODEOWNERS lookup, and which tracked files nobody owns (`rallyc owners`).

Paths are repository-relative (`team.repo` resolved against the spec's
folder), as the spec's globs are; `repo_relative` turns a command-line path
into one. Ownership is decided by the same glob semantics as the linter
(`rallyc.globs.owner_index`), so `rallyc owners src/api/a.py` answers exactly
what RY101 and RY102 reason about.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path

from rallyc.api import FileReport, context_for, structure_findings
from rallyc.config import Settings
from rallyc.context import LintContext
from rallyc.diagnostics import Severity
from rallyc.errors import RallyError
from rallyc.globs import owner_index
from rallyc.repo import repo_root


class BrokenSpec(RallyError):
    """The spec has structure errors (RY0): who owns what is not defined until they are fixed."""

    def __init__(self, report: FileReport) -> None:
        super().__init__(f"{report.file}: the spec has structure errors; fix them first (rallyc lint)")
        self.report = report


def load(spec_path: Path, *, learned: bool = True) -> LintContext:
    """The spec, built; BrokenSpec when `rallyc lint` would report an RY0 error. `learned=False`: its estimates
    ignore the team's learned values."""
    ctx = context_for(spec_path, str(spec_path), Settings(learned=learned))
    problems = structure_findings(ctx)
    if any(problem.severity is Severity.ERROR for problem in problems):
        raise BrokenSpec(FileReport(ctx.file, ctx.text, tuple(problems), 0))
    return ctx


def owner_lookup(ctx: LintContext) -> Callable[[str], list[str]]:
    """A path (repository-relative) to the teammates whose `owns` match it, in spec order."""
    return owner_index({teammate.name: [pattern.glob for pattern in teammate.owns] for teammate in ctx.spec.teammates})


def owners(spec_path: Path, paths: Iterable[str]) -> dict[str, list[str]]:
    """Each repository-relative path to its owners: none when unowned, several when `owns` overlap (RY101)."""
    return owners_in(load(spec_path), paths)


def owners_in(ctx: LintContext, paths: Iterable[str]) -> dict[str, list[str]]:
    lookup = owner_lookup(ctx)
    return {path: lookup(normalise(path)) for path in paths}


def is_folder(path: str, ctx: LintContext) -> bool:
    """Whether a repository-relative path names a folder: one on disk, or one holding tracked files."""
    if (_root(ctx) / path).is_dir():
        return True
    prefix = normalise(path) + "/"
    return any(tracked.startswith(prefix) for tracked in ctx.repo_files or ())


def folder_owners(ctx: LintContext, folder: str) -> tuple[int, dict[str, int]]:
    """(files below `folder`, how many of them each teammate owns, in spec order, `unowned` last when some are):
    git's tracked files when the repository is seen, else the files on disk."""
    from rallyc.files import files_below

    prefix = normalise(folder)
    below = [path for path in ctx.repo_files if path.startswith(prefix + "/")] if ctx.repo_files is not None else \
        [path for path, _ in files_below(str(_root(ctx)), prefix)]  # fmt: skip
    lookup = owner_lookup(ctx)
    counts = {teammate.name: 0 for teammate in ctx.spec.teammates} | {"unowned": 0}
    for path in below:
        for name in lookup(path) or ["unowned"]:
            counts[name] += 1
    return len(below), {name: count for name, count in counts.items() if count}


def unowned(spec_path: Path) -> list[str]:
    """Every tracked file (git ls-files of `team.repo`) that no teammate owns, sorted."""
    return unowned_in(load(spec_path))


def unowned_in(ctx: LintContext) -> list[str]:
    files = ctx.repo_files
    if files is None:
        raise RallyError(f"team.repo ({_root(ctx)}) is not in a git work tree", hint="--unowned lists git's tracked files")
    lookup = owner_lookup(ctx)
    return sorted(path for path in files if not lookup(path))


def normalise(path: str) -> str:
    """`./src//a.py/` as the globs see it: `src/a.py` (a leading `./` is dropped, as in globs)."""
    return "/".join(part for part in path.split("/") if part not in ("", "."))


def repo_relative(given: str, ctx: LintContext) -> str:
    """A command-line path (relative to the current folder, or absolute) as a path below `team.repo`."""
    root = _root(ctx)
    absolute = os.path.normpath(os.path.join(os.getcwd(), given))
    relative = os.path.relpath(absolute, root).replace(os.sep, "/")
    if relative in (".", "..") or relative.startswith("../"):
        raise RallyError(f"{given} is not a path below team.repo ({root})")
    return relative


def _root(ctx: LintContext) -> Path:
    return repo_root(ctx.path, ctx.spec.team.repo)
