"""What a repository's folders hold, from the paths git tracks: the units of work `rallyc init` gives teammates.

A top-level folder is one unit, classified by its name where people agree on names (`tests`, `docs`,
`examples`, `benchmarks`, `scripts`), and by its files otherwise: a folder named for documentation whose
files are three quarters source code is code (cobra's `doc/` is a Go package), a folder with no source file is
assets or data. Two refinements follow the work rather than the folders:

- a folder whose subfolders are packages of their own (two or more hold a manifest: `crates/*/Cargo.toml`,
  `packages/*/package.json`, and the folder has no file of its own) gives one unit per subfolder, so a
  workspace's members can go to different teammates and each can run its own tests;
- source files at the top of the repository (a Go package at the root, as cobra's) are a unit of their
  own when there are at least `ROOT_CODE_FILES` of them besides configuration files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath

from rallyc.globparse import escape_glob

CODE, TESTS, DOCS, EXAMPLES, TOOLING, ASSETS = "code", "tests", "docs", "examples", "tooling", "assets"
_NAMED = {
    **dict.fromkeys(("test", "tests", "testing", "__tests__", "spec", "e2e", "integration-tests"), TESTS),
    **dict.fromkeys(("doc", "docs", "documentation", "man", "manual", "website", "site", "changelog",
                     "changelog_unreleased", "changes", "changes.d", "newsfragments"), DOCS),
    **dict.fromkeys(("example", "examples", "demo", "demos", "sample", "samples", "tutorial", "tutorials"), EXAMPLES),
    **dict.fromkeys(("bench", "benches", "benchmark", "benchmarks", "benchsuite", "perf", "fuzz", "script",
                     "scripts", "tools", "tooling", "ci", "hack", "contrib", "pkg", "packaging", "dist",
                     "docker", "deploy"), TOOLING),
}  # fmt: skip
VENDORED = frozenset({"node_modules", "vendor", "third_party", "third-party"})
SOURCE_SUFFIXES = frozenset({
    ".py", ".pyi", ".js", ".mjs", ".cjs", ".jsx", ".ts", ".mts", ".cts", ".tsx", ".vue", ".svelte", ".go", ".rs",
    ".c", ".h", ".cc", ".cpp", ".hpp", ".java", ".kt", ".scala", ".rb", ".php", ".cs", ".swift", ".ex", ".exs",
    ".hs", ".ml", ".lua", ".zig", ".dart", ".clj", ".erl",
})  # fmt: skip
MANIFESTS = ("package.json", "Cargo.toml", "go.mod", "pyproject.toml", "setup.py")
ROOT_CODE_FILES = 3
"""Source files at the top level that make a unit: fewer are build scripts (`build.rs`, `setup.py`)."""
_CONFIG = re.compile(r"(^|\.)(config|conf|rc)\.[a-z]+$|^(setup|noxfile|conftest|build|fabfile)\.[a-z]+$")


@dataclass(frozen=True, slots=True)
class Unit:
    """A folder (or the repository's top-level source files, `path` "") and what it holds."""

    path: str
    kind: str
    files: int
    manifest: str | None = None
    """The unit's own package manifest (`crates/cli/Cargo.toml`), when it has one."""
    suffixes: tuple[str, ...] = ()
    """For the top-level unit: the suffixes of its source files, which its globs name."""

    @property
    def owns(self) -> tuple[str, ...]:
        if not self.path:
            return tuple(f"*{suffix}" for suffix in self.suffixes)
        return (f"{escape_glob(self.path)}/**",)

    @property
    def container(self) -> str:
        """The workspace folder a member lies in ("" for a top-level unit)."""
        return self.path.rpartition("/")[0]

    @property
    def shown(self) -> str:
        return self.path + "/" if self.path else " ".join(self.owns)

    @property
    def slug_source(self) -> str:
        """What the unit's teammate is named after: a member by its own folder's name."""
        return PurePosixPath(self.path).name if self.path else "root"


@dataclass(frozen=True, slots=True)
class Layout:
    units: tuple[Unit, ...]
    skipped: tuple[str, ...]
    """Top-level folders left to nobody: hidden (.github) or vendored ones."""


def layout_of(tracked: Iterable[str]) -> Layout:
    """The units of the repository whose tracked paths are `tracked`."""
    folders: dict[str, list[str]] = {}
    top: list[str] = []
    for path in tracked:
        head, slash, rest = path.partition("/")
        if slash:
            folders.setdefault(head, []).append(rest)
        else:
            top.append(path)
    skipped = tuple(sorted(f for f in folders if f.startswith(".") or f.lower() in VENDORED))
    units = [unit for name in sorted(folders) if name not in skipped for unit in _units(name, folders[name])]
    root = _root_unit(top)
    return Layout(tuple([root, *units] if root else units), skipped)


def _units(folder: str, inside: list[str]) -> list[Unit]:
    kind = _kind(folder, inside)
    members = _members(inside) if kind == CODE else {}
    if not members:
        return [Unit(folder, kind, len(inside))]
    return [Unit(f"{folder}/{member}", CODE, len(files), _manifest(folder, member, files))
            for member, files in members.items()]  # fmt: skip


def _kind(folder: str, inside: list[str]) -> str:
    named = _NAMED.get(folder.lower())
    sources = sum(1 for path in inside if PurePosixPath(path).suffix in SOURCE_SUFFIXES)
    if named == DOCS and 4 * sources >= 3 * len(inside):  # documentation by name, a package by its files
        return CODE
    if named:
        return named
    return CODE if sources else ASSETS


def _members(inside: list[str]) -> dict[str, list[str]]:
    """Subfolder -> its files, when the folder is a workspace of packages (else empty)."""
    members: dict[str, list[str]] = {}
    for path in inside:
        head, slash, rest = path.partition("/")
        if not slash:
            return {}  # a file of the folder's own: it is one package, or nobody's to split
        members.setdefault(head, []).append(rest)
    packages = sum(1 for files in members.values() if any(name in MANIFESTS for name in files))
    return dict(sorted(members.items())) if packages >= 2 else {}


def _manifest(folder: str, member: str, files: list[str]) -> str | None:
    return next((f"{folder}/{member}/{name}" for name in MANIFESTS if name in files), None)


def _root_unit(top: list[str]) -> Unit | None:
    sources = [path for path in top if PurePosixPath(path).suffix in SOURCE_SUFFIXES and not _CONFIG.search(path)]
    if len(sources) < ROOT_CODE_FILES:
        return None
    suffixes = tuple(sorted({PurePosixPath(path).suffix for path in sources}))
    return Unit("", CODE, len(sources), suffixes=suffixes)
