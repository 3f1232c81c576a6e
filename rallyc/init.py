"""`rallyc init`: a starter team.rally.yaml for the repository it runs in, that lints clean.

The team follows the folders git tracks at the top of the repository: one teammate per folder, each
owning `folder/**` (so ownership is disjoint by construction), with a role guessed from the name
(`tests`, `documentation`, else `implementation`), then a reviewer in plan mode that reads
everything and runs after all of them. The shape is chosen so that the spec lints clean:

- at most three workers plus the reviewer: four teammates, inside the guide's preferred 3-5 and under
  the five from which RY301 asks for a justification. More folders are grouped: all test folders
  into one teammate, all documentation folders into another (the two share one when there are two or
  more code folders), the code folders into the slots left, balanced by their number of tracked files;
- at least two workers that can run at the same time (one worker and a reviewer after it is a
  sequential plan, RY206): with a single folder, a teammate for the folder that complements it is
  added (`tests/` beside code, `src/` beside tests or docs), a folder git does not track yet;
- workers declare no `reads`: reading what another teammate is writing at the same time is a race
  (RY201), so the spec says so in a comment instead of guessing an order;
- a 20m estimate for workers and 10m for the review keep speedup (RY205) and the coordination share
  (RY403) in range; the budget cap is the cost estimate with 1.5x headroom, rounded up to $5, so
  the estimate stays under the 80% at which RY402 warns.
"""

from __future__ import annotations

import json
import math
import os
import re
import shlex
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rallyc.errors import RallyError
from rallyc.files import current_umask
from rallyc.globparse import escape_glob
from rallyc.runner.environment import setup_for
from rallyc.repo import tracked_files

MODELINE = "# yaml-language-server: $schema=https://rallyc.dev/schemas/team.rally.schema.json"
MAX_WORKERS = 3
"""Workers besides the reviewer: four teammates in all, below RY301's five."""
WORKER_ESTIMATE, REVIEW_ESTIMATE = "20m", "10m"
HEADROOM = 1.5
"""The budget cap over the cost estimate; above 1.25 keeps the estimate under RY402's 80% warning."""

IMPLEMENTATION, TESTS, DOCUMENTATION = "implementation", "tests", "documentation"
TESTS_AND_DOCS = "tests and documentation"
_ROLES = {
    **dict.fromkeys(("test", "tests", "testing", "__tests__", "spec", "e2e", "integration-tests"), TESTS),
    **dict.fromkeys(("doc", "docs", "documentation", "man", "manual"), DOCUMENTATION),
}
_GROUP_NAMES = {TESTS: "tests", DOCUMENTATION: "docs", TESTS_AND_DOCS: "tests-docs"}
_VENDORED = frozenset({"node_modules", "vendor", "third_party", "third-party"})
_REVIEWER = "review"


@dataclass(frozen=True, slots=True)
class Area:
    """What one worker owns: one or more top-level folders."""

    name: str
    role: str
    folders: tuple[str, ...]
    files: int
    """Tracked files in the folders; 0 for a folder git does not track yet."""

    @property
    def owns(self) -> tuple[str, ...]:
        return tuple(f"{escape_glob(folder)}/**" for folder in self.folders)


@dataclass(frozen=True, slots=True)
class Starter:
    text: str
    areas: tuple[Area, ...]
    usd: float
    max_usd: int
    skipped: tuple[str, ...]
    """Top-level folders left to nobody: hidden (.github) or vendored ones."""


# ---- the repository ---------------------------------------------------------------------------


def on_terminal() -> bool:
    """Ask questions only when someone can answer them."""
    return sys.stdin.isatty() and sys.stdout.isatty()


def git_root(folder: Path) -> Path:
    try:
        done = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel"],
                              capture_output=True, text=True, check=False, timeout=30)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        done = None
    if done is None or done.returncode != 0:
        raise RallyError(f"{folder}: not inside a git work tree",
                         hint="rallyc init proposes one teammate per folder git tracks: run `git init` and "
                              "`git add` your files first")  # fmt: skip
    return Path(done.stdout.strip()).resolve()


def top_level_folders(tracked: Iterable[str]) -> tuple[dict[str, int], tuple[str, ...]]:
    """Top-level folder -> tracked files in it, and the folders left out (hidden or vendored)."""
    counts: dict[str, int] = {}
    for path in tracked:
        head, slash, _ = path.partition("/")
        if slash:
            counts[head] = counts.get(head, 0) + 1
    skipped = tuple(sorted(f for f in counts if f.startswith(".") or f.lower() in _VENDORED))
    return {f: n for f, n in sorted(counts.items()) if f not in skipped}, skipped


def role_of(folder: str) -> str:
    return _ROLES.get(folder.lower(), IMPLEMENTATION)


# ---- the team ----------------------------------------------------------------------------------


def areas_for(folders: dict[str, int]) -> list[Area]:
    """Group the folders into two or three workers (see the module docstring)."""
    by_role: dict[str, list[str]] = {}
    for folder in folders:
        by_role.setdefault(role_of(folder), []).append(folder)
    groups: list[tuple[str, tuple[tuple[str, ...], ...]]] = [
        (role, (tuple(by_role[role]),)) for role in (TESTS, DOCUMENTATION) if role in by_role
    ]
    code = by_role.get(IMPLEMENTATION, [])
    if len(code) > 1 and len(groups) == 2:  # tests and docs share a teammate, so that code gets two
        groups = [(TESTS_AND_DOCS, (tuple(by_role[TESTS] + by_role[DOCUMENTATION]),))]
    if code:
        groups.insert(0, (IMPLEMENTATION, _balanced(code, folders, max(MAX_WORKERS - len(groups), 1))))
    areas = [(role, group) for role, bins in groups for group in bins]
    if not areas:
        areas = [(IMPLEMENTATION, ("src",)), (TESTS, ("tests",))]
    elif len(areas) == 1:  # a complement, so that two teammates can work at the same time
        areas.append((TESTS, ("tests",)) if areas[0][0] == IMPLEMENTATION else (IMPLEMENTATION, ("src",)))
    taken = {_REVIEWER}
    return [Area(_unique(_name(group, role), taken), role, group, sum(folders.get(f, 0) for f in group))
            for role, group in areas]  # fmt: skip


def _balanced(names: Sequence[str], sizes: dict[str, int], bins: int) -> tuple[tuple[str, ...], ...]:
    """Folders into at most `bins` groups of similar size: largest first into the lightest group."""
    groups: list[list[str]] = [[] for _ in range(min(bins, len(names)))]
    totals = [0] * len(groups)
    for name in sorted(names, key=lambda n: (-sizes.get(n, 0), n)):
        lightest = totals.index(min(totals))
        groups[lightest].append(name)
        totals[lightest] += sizes.get(name, 0)
    return tuple(sorted(tuple(sorted(group)) for group in groups))


def _name(folders: tuple[str, ...], role: str) -> str:
    if len(folders) > 1 and role in _GROUP_NAMES:
        return _GROUP_NAMES[role]
    slugs = [slug(folder) for folder in folders]
    joined = "-".join(slugs)
    return joined if len(joined) <= 24 else f"{slugs[0][:24]}-and-{len(slugs) - 1}-more"


def _unique(name: str, taken: set[str]) -> str:
    candidate, number = name, 2
    while candidate in taken:
        candidate, number = f"{name}-{number}", number + 1
    taken.add(candidate)
    return candidate


def slug(text: str) -> str:
    """A name (`[a-z][a-z0-9-]*`, 40 characters at most) made from a folder's name."""
    cleaned = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40].strip("-")
    if not cleaned:
        return "folder"
    return cleaned if cleaned[0].isalpha() else f"f-{cleaned}"[:40]


# ---- checks the toolchain suggests ----------------------------------------------------------------


def checks_for(root: Path, tracked: set[str]) -> dict[str, str]:
    """Role -> a command that checks its work, for the toolchain the top-level files show (may be empty)."""
    if tracked & {"pyproject.toml", "setup.py", "setup.cfg", "pytest.ini", "tox.ini"}:
        return {IMPLEMENTATION: "python -m compileall -q {folders}", TESTS: "python -m pytest -q"}
    if "package.json" in tracked:
        return {IMPLEMENTATION: "npm test", TESTS: "npm test"}
    if "Cargo.toml" in tracked:
        return {IMPLEMENTATION: "cargo check", TESTS: "cargo test"}
    if "go.mod" in tracked:
        return {IMPLEMENTATION: "go vet ./...", TESTS: "go test ./..."}
    makefile = root / "Makefile"
    if "Makefile" in tracked and makefile.is_file() and re.search(r"^test\s*:", _read(makefile), re.M):
        return {TESTS: "make test"}
    return {}


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


# ---- the text ------------------------------------------------------------------------------------

_PLAIN = re.compile(r"[A-Za-z0-9_./(][A-Za-z0-9_./*()'+-]*(?: [A-Za-z0-9_./*()'+-]+)*")
_NOT_PRINTABLE = re.compile("[^\t\n\r\x20-\x7e\xa0-\u2027\u202a-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def scalar(text: str) -> str:
    """`text` as a YAML scalar that reads back as the same string, in flow or block context."""
    from rallyc.load import resolve_plain

    if _PLAIN.fullmatch(text) and resolve_plain(text) == text:
        return text
    quoted = json.dumps(text, ensure_ascii=False)  # JSON strings are YAML double-quoted scalars
    return _NOT_PRINTABLE.sub(lambda m: "\\u%04x" % ord(m.group()) if ord(m.group()) < 0x10000
                              else "\\U%08x" % ord(m.group()), quoted)  # fmt: skip


def _flow(items: Iterable[str]) -> str:
    return "[" + ", ".join(scalar(item) for item in items) + "]"


def starter_spec(spec_path: Path, goal: str, name: str | None = None) -> Starter:
    """The starter spec for the repository `spec_path` lies in (its folders as git tracks them)."""
    spec_dir = spec_path.resolve().parent
    root = git_root(next(folder for folder in (spec_dir, *spec_dir.parents) if folder.is_dir()))
    tracked = tracked_files(root) or ()
    folders, skipped = top_level_folders(tracked)
    areas = tuple(areas_for(folders))
    checks = checks_for(root, {path for path in tracked if "/" not in path})
    repo = os.path.relpath(root, spec_dir).replace(os.sep, "/")
    setup = tuple(setup_for(root)) if checks else ()
    team = _Text(goal, slug(name or root.name), repo, areas, checks, skipped, setup)
    usd = _estimate(team.render(None), root)
    max_usd = max(5, math.ceil(usd * HEADROOM / 5) * 5)
    return Starter(team.render((usd, max_usd)), areas, usd, max_usd, skipped)


def _estimate(text: str, root: Path) -> float:
    """The starter's cost, with what the team learned from its runs in `root`: the cap must hold the estimate
    lint will make."""
    from rallyc.analysis.cost import estimate
    from rallyc.build import build
    from rallyc.learn import learned_file
    from rallyc.load import load_text

    return estimate(build(load_text(text, "team.rally.yaml")).spec, learned_file(root).current).usd


@dataclass(frozen=True, slots=True)
class _Text:
    goal: str
    name: str
    repo: str
    areas: tuple[Area, ...]
    checks: dict[str, str]
    skipped: tuple[str, ...]
    setup: tuple[str, ...] = ()

    def render(self, budget: tuple[float, int] | None) -> str:
        parts = [self.header(), self.team(), _DEFAULTS]
        if budget is not None:
            usd, cap = budget
            parts.append(f"budget:\n  max_usd: {cap}   # the estimate is ${usd:.2f} (`rallyc explain` shows how); "
                         f"{HEADROOM:g}x headroom\n")  # fmt: skip
        parts.append("teammates:\n" + _WORKERS_NOTE + "\n".join([*map(self.worker, self.areas), self.reviewer()]))
        if TESTS in self.checks:
            parts.append("# Reconciliation: run on the merged result after fan-in.\n"
                         f"verify: {_flow([self.checks[TESTS]])}\n")  # fmt: skip
        if self.setup:
            parts.append("run:\n  # Each worktree's own environment, made before its first task, so the checks test\n"
                         "  # the team's code and not your checkout (add your test tools if the lock file lacks them).\n"
                         f"  setup: {_flow(self.setup)}\n")  # fmt: skip
        return "\n".join(parts)

    def header(self) -> str:
        lines = [
            MODELINE,
            "#",
            "# A starter spec from `rallyc init`: one teammate per top-level folder git",
            "# tracks (grouped to keep the team at four), and a reviewer in plan mode.",
            "# Say what each task does, and split the work into more tasks (the guide aims",
            "# at 5-6 a teammate: RY304, shown with --show-info); then run rallyc lint,",
            "# rallyc explain and rallyc compile.",
        ]
        if self.skipped:
            lines.append(f"# Left to nobody (hidden or vendored): {', '.join(self.skipped)}.")
        lines.append("# Files at the top level (README, build files) have no owner: add them to a")
        lines.append("# teammate's `owns` if the goal needs them changed.")
        return "\n".join(lines) + "\nrally: 1\n"

    def team(self) -> str:
        repo = "" if self.repo == "." else f"  repo: {scalar(self.repo)}   # the repository root, from this file\n"
        return f"team:\n  name: {self.name}\n  goal: {scalar(self.goal)}\n{repo}"

    def worker(self, area: Area) -> str:
        shown = ", ".join(f"{folder}/" for folder in area.folders)
        tracked = f"{area.files} tracked file{'s' if area.files != 1 else ''}" if area.files else "not tracked yet"
        lines = [
            f"  - name: {area.name}",
            f"    role: {area.role}",
            f"    owns: {_flow(area.owns)}   # {tracked}",
            "    tasks:",
            f"      - id: {area.name}-work",
            f"        do: {scalar(_DO[area.role].format(folders=shown))}",
            f"        done_when: {_flow([_DONE[area.role].format(folders=shown)])}",
        ]
        command = self.checks.get(TESTS if area.role == TESTS_AND_DOCS else area.role)
        if command:
            folders = " ".join(shlex.quote(folder) for folder in area.folders)
            lines.append(f"        verify: {_flow([command.format(folders=folders)])}")
        elif area.role != DOCUMENTATION:
            lines.append("        # verify: [make test]   # commands that must exit 0 when the task is done")
        return "\n".join(lines) + "\n"

    def reviewer(self) -> str:
        after = [f"{area.name}.*" for area in self.areas]
        return "\n".join([
            "  # Reads everything, writes nothing, and starts once every other task is done.",
            "  # In plan mode the lead approves its plan before it starts.",
            f"  - name: {_REVIEWER}",
            "    role: quality review",
            "    model: opus",
            "    mode: plan",
            '    reads: ["**"]',
            "    tasks:",
            "      - id: final-review",
            "        do: Review the work against the goal and report every gap, with file and line.",
            f"        after: {_flow(after)}",
            f"        estimate: {REVIEW_ESTIMATE}",
            f"        done_when: {_flow(['a list of gaps, or none, is reported to the lead'])}",
        ]) + "\n"  # fmt: skip


_WORKERS_NOTE = """\
  # Each worker owns its folders and writes nothing else. None declares `reads`:
  # a task that reads files another teammate writes at the same time races it
  # (RY201), so add `reads` together with `after` where a task needs that work.
"""
_DEFAULTS = f"""\
# Every teammate and task that does not set its own value.
defaults:
  model: sonnet
  estimate: {WORKER_ESTIMATE}   # a task's deadline is twice its estimate
"""
_DO = {
    IMPLEMENTATION: "Make the changes the goal needs in {folders}.",
    TESTS: "Add or update the tests in {folders} that check the goal.",
    DOCUMENTATION: "Update the documentation in {folders} for what the goal changes.",
    TESTS_AND_DOCS: "Add or update the tests and the documentation in {folders} for what the goal changes.",
}
_DONE = {
    IMPLEMENTATION: "the part of the goal that concerns {folders} is done",
    TESTS: "the tests in {folders} cover the goal and pass",
    DOCUMENTATION: "{folders} describes what the goal changes",
    TESTS_AND_DOCS: "the tests in {folders} cover the goal and pass, and the documentation describes it",
}


# ---- writing ---------------------------------------------------------------------------------------


def write_new(path: Path, text: str) -> None:
    """Write `path` atomically, never over an existing file (a hard link fails when the name is taken)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, 0o666 & ~current_umask())
        try:
            os.link(temporary, path)
        except FileExistsError:
            raise _exists(path) from None
        except OSError:  # a file system without hard links: exclusive creation, still never over a file
            _write_exclusive(path, text)
    finally:
        Path(temporary).unlink(missing_ok=True)


def _write_exclusive(path: Path, text: str) -> None:
    try:
        with open(path, "x", encoding="utf-8", newline="") as stream:
            stream.write(text)
    except FileExistsError:
        raise _exists(path) from None


def _exists(path: Path) -> RallyError:
    return RallyError(f"{path}: already exists; rallyc init never overwrites a spec",
                      hint="remove it, or write the starter elsewhere with -o OTHER.rally.yaml")  # fmt: skip
