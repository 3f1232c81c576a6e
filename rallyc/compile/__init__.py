"""`rallyc compile`: a lint-clean spec to prompts, handoff, runtime files and plan.json.

The stages: lint (any error stops here), lower the analysed spec to a
`Plan`, let the target render its files from the plan, add the
target-independent plan.json and graph.mmd. Nothing here touches the disk;
`write`, `check` and `install` below do, through `rallyc.compile.output`.
Output is a pure function of the spec file and the target: no timestamps,
no absolute paths (the marker names the spec relative to the repository
root), sorted JSON keys.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from rallyc.api import LintReport, context_for, lint_context
from rallyc.config import settings_for
from rallyc.context import LintContext
from rallyc.errors import RallyError
from rallyc.paths import checked_name, inside
from rallyc.repo import RALLY_FOLDER

if TYPE_CHECKING:
    from rallyc.hookfile import Group
    from rallyc.learned import Learned
    from rallyc.plan import Plan

PLAN_FILE = "plan.json"
BUILD_FOLDER = f"{RALLY_FOLDER}/build"
"""The default output folder's parent, below team.repo."""
GRAPH_FILE = "graph.mmd"


class LintFailed(RallyError):
    """The spec has lint errors, or a suppressed one that leaves it unusable: nothing is compiled or run."""

    def __init__(self, report: LintReport, action: str = "compile") -> None:
        blocker = report.files[0].blocker if len(report.files) == 1 else None
        if blocker is not None and not report.files[0].failed:
            super().__init__(f"{report.files[0].file}: {blocker.blocks(action)}", hint=blocker.diagnostic.message)
        else:
            super().__init__(f"the spec has lint errors; nothing was {_DONE[action]}")
        self.report = report


_DONE = {"compile": "compiled", "run": "run"}


@dataclass(frozen=True, slots=True)
class Compiled:
    plan: Plan
    target: str
    files: dict[str, str]
    """Everything OUT holds: relative POSIX path -> text."""
    runtime_files: tuple[str, ...]
    runtime_folder: str
    notes: tuple[str, ...]
    out: Path
    repo: Path
    marker: str
    merged: dict[str, tuple[Group, ...]]
    """Hooks files `--install` merges our groups into (`rallyc.compile.hooksinstall`)."""

    @property
    def installable(self) -> dict[str, str]:
        return {path: self.files[path] for path in self.runtime_files}


def compile_spec(spec: Path, *, target: str | None = None, out: Path | None = None, learned: bool = True) -> Compiled:
    """Compile one spec in memory; LintFailed when `rallyc lint` would fail on it. `learned=False`: estimate
    with the spec's own figures, not the team's learned values."""
    return compile_context(lint_clean(spec, learned=learned), target=target, out=out)


def compile_context(ctx: LintContext, *, target: str | None = None, out: Path | None = None) -> Compiled:
    """Compile a spec `lint_clean` passed, in memory: for the spec's runtime, or `target`."""
    from rallyc.compile.graph import mermaid
    from rallyc.compile.output import marker_text
    from rallyc.plan import lower, plan_json
    from rallyc.repo import repo_root
    from rallyc.targets import target_named

    repo = repo_root(ctx.path, ctx.spec.team.repo)
    spec_path = spec_relative(ctx.path, repo)
    chosen = target_named(target or ctx.spec.team.runtime)
    plan = lower(ctx, spec_path, chosen.name)
    _check_names(plan)
    marker = marker_text(spec_path)
    output = chosen.emit(plan, marker)
    files = {
        PLAN_FILE: plan_json(plan),
        GRAPH_FILE: mermaid(ctx.spec, ctx.graph),
        **output.files,
    }
    folder = out if out is not None else inside(repo, f"{BUILD_FOLDER}/{plan.team.name}")
    return Compiled(plan, chosen.name, dict(sorted(files.items())), output.runtime_files, chosen.runtime_folder,
                    output.notes, folder, repo, marker, output.merged)  # fmt: skip


def spec_relative(spec: Path, repo: Path) -> str:
    """The spec relative to the repository root, POSIX: what plan.json and the marker name, so compile and
    uninstall find the same files."""
    return Path(os.path.relpath(spec.resolve(), repo)).as_posix()


def _check_names(plan: Plan) -> None:
    """Compile and run name files, folders and branches after these: each must be a slug, whatever lint said."""
    checked_name(plan.team.name, "team.name")
    for mate in plan.teammates:
        checked_name(mate.name, "the teammate name")
    for task in plan.tasks:
        checked_name(task.id, "the task id")


def lint_clean(spec: Path, action: str = "compile", *, learned: bool = True, values: Learned | None = None) -> LintContext:
    """The spec's context, once `rallyc lint` (with the project's config) passes on it and no error it
    hides leaves the spec unusable for `action` (a suppressed cycle or schema error). Its estimates use the
    team's learned values unless `learned` is False or the config says not to; `values` instead, when given."""
    if not spec.is_file():
        raise RallyError(f"{spec}: no such spec file" if not spec.exists() else f"{spec} is not a file")
    settings = settings_for(spec)
    if not learned:
        settings = replace(settings, learned=False)
    ctx = context_for(spec, str(spec), settings, values)
    report = lint_context(ctx, settings)
    if report.failed or report.blocker is not None:
        raise LintFailed(LintReport((report,), ()), action)
    return ctx


def write(compiled: Compiled) -> None:
    """Replace OUT with the compiled files, atomically; the default build folder is kept out of `git status`
    unless the team commits compiled output (`rally_excludes`)."""
    from rallyc.compile.output import write_tree

    try:
        write_tree(compiled.out, compiled.files)
        if compiled.out.resolve().is_relative_to(compiled.repo / BUILD_FOLDER):
            _exclude_build(compiled.repo / BUILD_FOLDER)
    except OSError as error:  # a full disk or a read-only folder is the user's to fix, not a bug
        raise RallyError(f"could not write {compiled.out}: {error.strerror or error}") from error


def _exclude_build(build: Path) -> None:
    """rallyc's folder into the clone's info/exclude, as a run does (`rally_excludes`)."""
    from rallyc.repo import exclude_locally, git_folders, rally_excludes

    folders = git_folders(build.parent.parent)
    if folders is not None:
        exclude_locally(folders[1], *rally_excludes(build.parent.parent, folders[0]))


def check(compiled: Compiled, *, installed: bool = False) -> list[tuple[Path, str]]:
    """Files on disk that differ from what compiling writes: OUT, and with `installed` the repository's runtime
    files and the hooks merged into its hooks files."""
    from rallyc.compile import hooksinstall
    from rallyc.compile.output import differences, tree_files

    found = [(compiled.out / path, state) for path, state in differences(compiled.out, tree_files(compiled.files))]
    if installed:
        runtime = differences(compiled.repo, compiled.installable, exhaustive=False)
        runtime += hooksinstall.differences(compiled.repo, compiled.merged, compiled.marker)
        found += [(compiled.repo / path, state) for path, state in sorted(runtime)]
    return found


def ensure_installable(compiled: Compiled) -> None:
    """Fail before anything is written when --install would have to overwrite a file rallyc did not generate
    or merge into a hooks file that is not valid JSON."""
    from rallyc.compile.hooksinstall import ensure_mergeable
    from rallyc.compile.output import ensure_installable as check_files

    check_files(compiled.repo, compiled.installable)
    ensure_mergeable(compiled.repo, compiled.merged)


def install(compiled: Compiled) -> tuple[list[str], list[str]]:
    """(written, removed): the runtime files put into the repository (hooks files merged into), and this spec's
    stale ones deleted."""
    from rallyc.compile import hooksinstall
    from rallyc.compile.output import install as install_files
    from rallyc.compile.output import stale

    ensure_installable(compiled)
    old = stale(compiled.repo, runtime_folders(compiled.installable), compiled.marker, compiled.installable)
    try:
        written = install_files(compiled.repo, compiled.installable)
        written += hooksinstall.install(compiled.repo, compiled.merged, compiled.marker)
        for relative in old:
            inside(compiled.repo, relative).unlink()
    except OSError as error:
        raise RallyError(f"could not install into {compiled.repo}: {error.strerror or error}") from error
    return sorted(written), old


def runtime_folders(files: Iterable[str]) -> list[str]:
    """The folders runtime files sit in (`.claude/agents`, `.claude/rally`, ...)."""
    return sorted({relative.rsplit("/", 1)[0] for relative in files})


def uninstall(spec: Path) -> list[str]:
    """Remove what `--install` put into the repository for `spec`, whatever its target: its marked runtime files,
    and its hooks from the hooks files (each restored as it was). The spec need only build, not lint clean."""
    from rallyc.compile import hooksinstall
    from rallyc.compile.output import marker_text, stale
    from rallyc.owners import load
    from rallyc.repo import repo_root
    from rallyc.targets import targets

    ctx = load(spec)
    repo = repo_root(ctx.path, ctx.spec.team.repo)
    marker = marker_text(spec_relative(ctx.path, repo))
    every = targets().values()
    mine = stale(repo, sorted({folder for target in every for folder in target.install_folders}), marker, {})
    try:
        for relative in mine:
            inside(repo, relative).unlink()
        return sorted(mine + hooksinstall.uninstall(repo, marker, sorted({target.hooks_file for target in every})))
    except OSError as error:
        raise RallyError(f"could not uninstall from {repo}: {error.strerror or error}") from error
