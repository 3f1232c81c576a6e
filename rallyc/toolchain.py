"""The toolchain a repository's top-level files show, and the commands that test one teammate's part with it.

A teammate's `verify` runs the tests of what it owns, not the whole suite (the whole suite runs once, on the
merged result): a package with a manifest of its own runs its own tests (`cargo test --manifest-path`,
`npm --prefix DIR test` when its package.json has a test script, `go test` in its module), a Python folder
runs the tests inside it or in `tests/<its name>`, a Go folder `go test ./folder/...`. When the team has a
single code unit, the repository's tests are its tests. Where the toolchain cannot tell which tests are a
folder's, a Python folder is compiled and a JavaScript one gets no command: the suite still runs at the end.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from rallyc.layout import CODE, TESTS, Unit

PYTHON, NODE, RUST, GO, MAKE = "python", "node", "rust", "go", "make"
SUITES = {PYTHON: "python -m pytest -q", NODE: "npm test", RUST: "cargo test --workspace", GO: "go test ./...",
          MAKE: "make test"}  # fmt: skip
"""Each toolchain's whole test suite, run on the merged result after fan-in."""
_PYTHON_FILES = frozenset({"pyproject.toml", "setup.py", "setup.cfg", "pytest.ini", "tox.ini"})
_PYTHON_TEST = re.compile(r"(^|/)(test_[^/]*|[^/]*_test)\.py$|(^|/)tests?/")


def toolchain_of(root: Path, top: set[str]) -> str | None:
    """The toolchain the files at the top of the repository show (None when none is recognised)."""
    if top & _PYTHON_FILES:
        return PYTHON
    for manifest, toolchain in (("package.json", NODE), ("Cargo.toml", RUST), ("go.mod", GO)):
        if manifest in top:
            return toolchain
    makefile = root / "Makefile"
    if "Makefile" in top and makefile.is_file() and re.search(r"^test\s*:", _read(makefile), re.M):
        return MAKE
    return None


@dataclass(frozen=True, slots=True)
class Checks:
    """The commands that test a teammate's units in one repository."""

    toolchain: str | None
    root: Path
    tracked: frozenset[str]
    test_folders: tuple[str, ...]
    sole: bool
    """The team has one code unit: the repository's tests are that unit's tests."""

    @property
    def suite(self) -> str | None:
        return SUITES.get(self.toolchain) if self.toolchain else None

    def for_units(self, units: Iterable[Unit]) -> tuple[str, ...]:
        """The commands for the code and test units among `units` (documentation and the rest have none)."""
        units = tuple(units)
        tests = [unit.path for unit in units if unit.kind == TESTS]
        commands = [*(self._tests(tests) if tests else ()),
                    *(command for unit in units if unit.kind == CODE for command in self._code(unit))]  # fmt: skip
        return tuple(dict.fromkeys(commands))

    def _tests(self, folders: Sequence[str]) -> tuple[str, ...]:
        if self.toolchain == PYTHON:
            return (f"python -m pytest -q {_words(folders)}",)
        if self.toolchain == GO:
            return (f"go test {_words(f'./{folder}/...' for folder in folders)}",)
        return (SUITES[self.toolchain].replace(" --workspace", ""),) if self.toolchain else ()

    def _code(self, unit: Unit) -> tuple[str, ...]:
        code = {PYTHON: self._python, NODE: self._node, RUST: self._rust, GO: self._go}.get(self.toolchain or "")
        return code(unit) if code else ()

    def _python(self, unit: Unit) -> tuple[str, ...]:
        if not unit.path:
            return ("python -m compileall -q -l .",)
        prefix = f"{unit.path}/"
        if any(path.startswith(prefix) and _PYTHON_TEST.search(path[len(prefix):]) for path in self.tracked):
            return (f"python -m pytest -q {_words([unit.path])}",)
        name = PurePosixPath(unit.path).name
        mirrored = [f"{folder}/{name}" for folder in self.test_folders
                    if any(path.startswith(f"{folder}/{name}/") for path in self.tracked)]  # fmt: skip
        if mirrored or (self.sole and self.test_folders):
            return (f"python -m pytest -q {_words(mirrored or self.test_folders)}",)
        return (f"python -m compileall -q {_words([unit.path])}",)

    def _node(self, unit: Unit) -> tuple[str, ...]:
        if unit.manifest and unit.manifest.endswith("package.json") and _has_test_script(self.root / unit.manifest):
            return (f"npm --prefix {_words([unit.path])} test",)
        return (SUITES[NODE],) if self.sole else ()

    def _rust(self, unit: Unit) -> tuple[str, ...]:
        if unit.manifest and unit.manifest.endswith("Cargo.toml"):
            return (f"cargo test --manifest-path {_words([unit.manifest])}",)
        return ("cargo test",)  # a folder of the root package: its tests

    def _go(self, unit: Unit) -> tuple[str, ...]:
        if not unit.path:
            return ("go test .",)
        if unit.manifest and unit.manifest.endswith("go.mod"):
            return (f"cd {_words([unit.path])} && go test ./...",)
        return (f"go test {_words([f'./{unit.path}/...'])}",)


def _words(words: Iterable[str]) -> str:
    return " ".join(shlex.quote(word) for word in words)


def _has_test_script(manifest: Path) -> bool:
    """Whether a package.json names a test script (npm's placeholder that only fails does not count)."""
    try:
        data = json.loads(_read(manifest))
    except ValueError:
        return False
    scripts = data.get("scripts") if isinstance(data, dict) else None
    script = scripts.get("test") if isinstance(scripts, dict) else None
    return isinstance(script, str) and "no test specified" not in script


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
