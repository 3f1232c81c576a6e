"""`rallyc init`: a starter team.rally.yaml for the repository it runs in, that lints clean.

The team follows the work git tracks (see `rallyc.layout`): one teammate per unit of code (a top-level
folder of code, a workspace member, the top-level source files), a teammate for the tests and one for the
documentation; examples and assets fold into the documentation teammate, benchmarks, scripts and code
units a tenth the size of the largest fold into the code teammate of the largest (or of their own
workspace); then a reviewer that reads everything and runs after all of them. Each worker's `verify` runs
the tests of its own part (see `rallyc.toolchain`); the whole suite runs once, on the merged result. The
shape is chosen so that the spec lints clean:

- at most three workers plus the reviewer: four teammates, inside the guide's preferred 3-5 and under
  the five from which RY301 asks for a justification. The test folders share one teammate, the
  documentation another (the two share one when there are two or more code units), the code units fill
  the slots left, balanced by their number of tracked files;
- at least two workers that can run at the same time (one worker and a reviewer after it is a
  sequential plan, RY206): with a single area, a teammate for the folder that complements it is
  added (`tests/` beside code, `src/` beside tests or docs), a folder git does not track yet;
- workers declare no `reads`: reading what another teammate is writing at the same time is a race
  (RY201), so the spec says so in a comment instead of guessing an order;
- the reviewer owns nothing, so it is not in plan mode: approving the plan of a teammate that cannot
  write would be a round trip for nothing;
- a 20m estimate for workers and 10m for the review keep speedup (RY205) and the coordination share
  (RY403) in range; the budget cap is the cost estimate with 1.5x headroom, rounded up to $5, so
  the estimate stays under the 80% at which RY402 warns.
"""

from __future__ import annotations

import json
import math
import os
import re
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rallyc.errors import RallyError
from rallyc.files import current_umask
from rallyc.globparse import escape_glob
from rallyc.layout import ASSETS, CODE, DOCS, EXAMPLES, TESTS, TOOLING, Unit, layout_of
from rallyc.repo import tracked_files
from rallyc.runner.environment import setup_for
from rallyc.toolchain import Checks, toolchain_of

MODELINE = "# yaml-language-server: $schema=https://rallyc.dev/schemas/team.rally.schema.json"
MAX_WORKERS = 3
"""Workers besides the reviewer: four teammates in all, below RY301's five."""
TINY = 10
"""A code unit with less than 1/TINY of the largest one's files folds into a teammate instead of being one."""
WORKER_ESTIMATE, REVIEW_ESTIMATE = "20m", "10m"
HEADROOM = 1.5
"""The budget cap over the cost estimate; above 1.25 keeps the estimate under RY402's 80% warning."""

IMPLEMENTATION, DOCUMENTATION = "implementation", "documentation"
TESTS_AND_DOCS = "tests and documentation"
_GROUP_NAMES = {TESTS: "tests", DOCUMENTATION: "docs", TESTS_AND_DOCS: "tests-docs"}
_REVIEWER = "review"


@dataclass(frozen=True, slots=True)
class Area:
    """What one worker owns: the units it is named for, then those folded into it."""

    name: str
    role: str
    named: tuple[Unit, ...]
    folded: tuple[Unit, ...] = ()
    whole: frozenset[str] = frozenset()
    """Workspace folders all of whose members are this area's: owned as one `folder/**`."""

    @property
    def units(self) -> tuple[Unit, ...]:
        return self.named + self.folded

    @property
    def folders(self) -> tuple[str, ...]:
        return tuple(unit.path for unit in self.units)

    @property
    def files(self) -> int:
        """Tracked files in the units; 0 for a folder git does not track yet."""
        return sum(unit.files for unit in self.units)

    @property
    def owns(self) -> tuple[str, ...]:
        globs = (f"{escape_glob(unit.container)}/**" if unit.container in self.whole else glob
                 for unit in self.units for glob in unit.owns)  # fmt: skip
        return tuple(dict.fromkeys(globs))


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
                         hint="rallyc init proposes teammates for the folders git tracks: run `git init` and "
                              "`git add` your files first")  # fmt: skip
    return Path(done.stdout.strip()).resolve()


# ---- the team ----------------------------------------------------------------------------------

_Draft = tuple[str, list[Unit], list[Unit]]
"""An area being made: role, the units it is named for, the units folded into it."""


def areas_for(units: Sequence[Unit]) -> list[Area]:
    """Group the units into two or three workers (see the module docstring)."""
    by_kind: dict[str, list[Unit]] = {}
    for unit in units:
        by_kind.setdefault(unit.kind, []).append(unit)
    code = by_kind.pop(CODE, [])
    if not code:  # no source code anywhere: the folders that are neither tests nor docs are the work
        code = sorted((u for kind in (TOOLING, EXAMPLES, ASSETS) for u in by_kind.pop(kind, [])), key=_path)
    main, tiny = _split_tiny(code)
    groups: list[_Draft] = [(role, list(by_kind[kind]), []) for role, kind in ((TESTS, TESTS), (DOCUMENTATION, DOCS))
                            if kind in by_kind]  # fmt: skip
    if len(main) > 1 and len(groups) == 2:  # tests and docs share a teammate, so that code gets two
        groups = [(TESTS_AND_DOCS, groups[0][1] + groups[1][1], [])]
    bins = _balanced(main, max(MAX_WORKERS - len(groups), 1)) if main else ()
    drafts = [*((IMPLEMENTATION, list(group), []) for group in bins), *groups]
    if not drafts:
        drafts = [(IMPLEMENTATION, [Unit("src", CODE, 0)], [])]
    _fold(drafts, tiny, by_kind.get(TOOLING, []), by_kind.get(EXAMPLES, []) + by_kind.get(ASSETS, []))
    if len(drafts) == 1:  # a complement, so that two teammates can work at the same time
        drafts.append((TESTS, [Unit("tests", TESTS, 0)], []) if drafts[0][0] == IMPLEMENTATION
                      else (IMPLEMENTATION, [Unit("src", CODE, 0)], []))  # fmt: skip
    taken = {_REVIEWER}
    members = Counter(unit.container for unit in units if unit.container)
    return [Area(_unique(_name(named, role), taken), role, tuple(named), tuple(sorted(folded, key=_path)),
                 _whole(named + folded, members)) for role, named, folded in drafts]  # fmt: skip


def _whole(units: list[Unit], members: Counter[str]) -> frozenset[str]:
    held = Counter(unit.container for unit in units if unit.container)
    return frozenset(folder for folder, count in held.items() if count == members[folder])


def _path(unit: Unit) -> str:
    return unit.path


def _split_tiny(code: list[Unit]) -> tuple[list[Unit], list[Unit]]:
    """The code units worth a teammate, and those a tenth the size of the largest or smaller."""
    largest = max((unit.files for unit in code), default=0)
    tiny = [unit for unit in code if unit.files * TINY < largest]
    return [unit for unit in code if unit not in tiny], tiny


def _fold(drafts: list[_Draft], tiny: list[Unit], tooling: list[Unit], extras: list[Unit]) -> None:
    """Small code units into their workspace's teammate or the largest unit's, tooling into the largest
    unit's, examples and assets into the documentation teammate (else the largest unit's)."""
    code = [draft for draft in drafts if draft[0] == IMPLEMENTATION]
    main = max(code or drafts, key=lambda draft: max((unit.files for unit in draft[1]), default=0))
    docs = next((draft for draft in drafts if draft[0] in (DOCUMENTATION, TESTS_AND_DOCS)), main)
    for unit in tiny:
        top = unit.path.partition("/")[0]
        home = next((draft for draft in code if any(u.path.partition("/")[0] == top for u in draft[1])), main)
        home[2].append(unit)
    main[2].extend(tooling)
    docs[2].extend(extras)


def _balanced(units: Sequence[Unit], bins: int) -> tuple[tuple[Unit, ...], ...]:
    """Units into at most `bins` groups of similar size: largest first into the lightest group."""
    groups: list[list[Unit]] = [[] for _ in range(min(bins, len(units)))]
    totals = [0] * len(groups)
    for unit in sorted(units, key=lambda u: (-u.files, u.path)):
        lightest = totals.index(min(totals))
        groups[lightest].append(unit)
        totals[lightest] += unit.files
    return tuple(sorted((tuple(sorted(group, key=_path)) for group in groups), key=lambda g: g[0].path))


def _name(units: Sequence[Unit], role: str) -> str:
    if len(units) > 1 and role in _GROUP_NAMES:
        return _GROUP_NAMES[role]
    slugs = [slug(unit.slug_source) for unit in sorted(units, key=lambda u: -u.files)]  # the largest first
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
    layout = layout_of(tracked)
    areas = tuple(areas_for(layout.units))
    toolchain = toolchain_of(root, {path for path in tracked if "/" not in path})
    tests = tuple(unit.path for area in areas for unit in area.units if unit.kind == TESTS)
    sole = sum(len(area.named) for area in areas if area.role == IMPLEMENTATION) == 1
    checks = Checks(toolchain, root, frozenset(tracked), tests, sole)
    repo = os.path.relpath(root, spec_dir).replace(os.sep, "/")
    setup = tuple(setup_for(root)) if toolchain else ()
    team = _Text(goal, slug(name or root.name), repo, areas, checks, layout.skipped, setup)
    usd = _estimate(team.render(None), root)
    max_usd = max(5, math.ceil(usd * HEADROOM / 5) * 5)
    return Starter(team.render((usd, max_usd)), areas, usd, max_usd, layout.skipped)


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
    checks: Checks
    skipped: tuple[str, ...]
    setup: tuple[str, ...] = ()

    def render(self, budget: tuple[float, int] | None) -> str:
        parts = [self.header(), self.team(), _DEFAULTS]
        if budget is not None:
            usd, cap = budget
            parts.append(f"budget:\n  max_usd: {cap}   # the estimate is ${usd:.2f} (`rallyc explain` shows how); "
                         f"{HEADROOM:g}x headroom\n")  # fmt: skip
        parts.append("teammates:\n" + _WORKERS_NOTE + "\n".join([*map(self.worker, self.areas), self.reviewer()]))
        if self.checks.suite:
            parts.append("# Reconciliation: the whole suite, run once on the merged result after fan-in.\n"
                         f"verify: {_flow([self.checks.suite])}\n")  # fmt: skip
        if self.setup:
            parts.append("run:\n  # Each worktree's own environment, made before its first task, so the checks test\n"
                         "  # the team's code and not your checkout (add your test tools if the lock file lacks them).\n"
                         f"  setup: {_flow(self.setup)}\n")  # fmt: skip
        return "\n".join(parts)

    def header(self) -> str:
        lines = [
            MODELINE,
            "#",
            "# A starter spec from `rallyc init`: a teammate per unit of code git tracks,",
            "# one for the tests and one for the docs (grouped to keep the team at four;",
            "# examples, benchmarks and scripts go with the docs or the code), and a reviewer.",
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
        shown = ", ".join(unit.shown for unit in area.units)
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
        commands = self.checks.for_units(area.units)
        if commands:
            lines.append(f"        verify: {_flow(commands)}   # the tests of its own part")
        elif area.role != DOCUMENTATION:
            lines.append("        # verify: [make test]   # commands that must exit 0 when the task is done")
        return "\n".join(lines) + "\n"

    def reviewer(self) -> str:
        after = [f"{area.name}.*" for area in self.areas]
        return "\n".join([
            "  # Reads everything, writes nothing, and starts once every other task is done",
            "  # (not in plan mode: there is no plan of changes to approve).",
            f"  - name: {_REVIEWER}",
            "    role: quality review",
            "    model: opus",
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
