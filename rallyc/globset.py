"""Many paths against many globs: `rallyc owners`, the runner's ownership check, the repository checks.

Every glob is matched by its automaton (`rallyc.globnfa`), never by a backtracking regular
expression, so no glob can make matching slow. What keeps it fast is not trying most globs at
all: globs are indexed by their literal prefix (a path is only tried against the globs whose
prefix it starts with, one dictionary look-up per distinct prefix length) and their literal
suffix is compared before the automaton runs.
"""

from __future__ import annotations

from bisect import bisect_left
import os
from collections.abc import Callable, Iterator, Mapping, Sequence

from rallyc.globnfa import is_valid_path, matcher
from rallyc.globparse import parse_glob_list
from rallyc.syntax import Choice, Glob, GlobNode, Literal
from rallyc.witness import char_rank


def literal_suffix(glob: Glob) -> str:
    """Text every matched path ends with: the trailing literal characters (`.py` in `src/*.py`)."""
    last = glob.nodes[-1] if glob.nodes else None
    return last.text if isinstance(last, Literal) else ""


_MAX_PREFIXES = 32


def literal_prefixes(glob: Glob) -> tuple[str, ...]:
    """Every matched path starts with one of these: braces after the literal prefix are expanded.

    `pkg/{lib,src}7/**` gives `pkg/lib7/` and `pkg/src7/`, where the leading literal stops at
    `pkg/` and would pair the glob with everything under `pkg/`. Linear in the braces: past
    `_MAX_PREFIXES` the prefixes so far give way to what they have in common.
    """
    stopped, going = _prefixes(glob.nodes, {""})
    return tuple(sorted(stopped | going))


def _prefixes(nodes: Sequence[GlobNode], heads: set[str]) -> tuple[set[str], set[str]]:
    """From `heads`, after `nodes`: prefixes that reached a wildcard, and prefixes still all literal."""
    stopped: set[str] = set()
    going = heads
    for node in nodes:
        if isinstance(node, Literal):
            going = {head + node.text for head in going}
        elif isinstance(node, Choice):
            following: set[str] = set()
            for alternative in node.alternatives:
                alternative_stopped, alternative_going = _prefixes(alternative, going)
                stopped |= alternative_stopped
                following |= alternative_going
            going = following
        else:
            stopped |= going
            going = set()
        if len(stopped) + len(going) > _MAX_PREFIXES:
            return {os.path.commonprefix(sorted(stopped | going))}, set()
        if not going:
            break
    return stopped, going


def literal_path(glob: Glob) -> str | None:
    """The one path a glob without wildcards names (`docs/x.md`), whatever its list leaves out; else None."""
    if len(glob.nodes) == 1 and isinstance(glob.nodes[0], Literal):
        return glob.nodes[0].text
    return None


def plain_path(glob: Glob) -> str | None:
    """The one path a glob without wildcards or exclusions matches (`docs/x.md`), else None."""
    return None if glob.excluded else literal_path(glob)


class _Check:
    """One glob after one of its literal prefixes: compare the literal suffix, then resume the
    pattern's automaton where the prefix left it, then make sure no exclusion matches."""

    __slots__ = ("suffix", "pattern", "resume", "exclusions")

    def __init__(self, glob: Glob, prefix: str, resume: frozenset[int]) -> None:
        self.suffix = literal_suffix(glob)
        self.pattern = matcher(glob)
        self.resume = (len(prefix), resume)
        self.exclusions = tuple(matcher(excluded) for excluded in glob.excluded)

    def matches(self, path: str) -> bool:
        """For a valid path that starts with the prefix."""
        if not path.endswith(self.suffix) or not self.pattern.accepts(path, self.resume):
            return False
        return not self.exclusions or not any(excluded.accepts(path) for excluded in self.exclusions)


def _checks(glob: Glob) -> Iterator[tuple[str, _Check]]:
    """Each literal prefix of a glob (braces expanded) that something can follow, with its check."""
    pattern = matcher(glob)
    for prefix in literal_prefixes(glob):
        resume = pattern.after(prefix)
        if resume is not None:
            yield prefix, _Check(glob, prefix, resume)


class _Index:
    """Items (a glob and what to report for it) by literal prefixes (braces expanded, so
    `src/{m,n}3/*.ts` waits under `src/m3/` and `src/n3/`); exact paths in a dict of their own."""

    def __init__(self, items: Sequence[tuple[Glob, int]]) -> None:
        self.exact: dict[str, list[int]] = {}
        self.by_prefix: dict[str, list[tuple[_Check, int]]] = {}
        for glob, value in items:
            path = plain_path(glob)
            if path is not None:
                self.exact.setdefault(path, []).append(value)
            for prefix, check in _checks(glob) if path is None else ():
                self.by_prefix.setdefault(prefix, []).append((check, value))
        self.lengths = sorted({len(prefix) for prefix in self.by_prefix})

    def found(self, path: str) -> Iterator[int]:
        """The values of the items matching `path`, a valid path (exact paths first; a value may repeat)."""
        yield from self.exact.get(path, ())
        for length in self.lengths:
            if length > len(path):
                return
            for check, value in self.by_prefix.get(path[:length], ()):
                if check.matches(path):
                    yield value


class GlobSet:
    """Many globs (each minus its exclusions), for matching thousands of paths quickly."""

    __slots__ = ("globs", "_index")

    def __init__(self, globs: Sequence[Glob]) -> None:
        self.globs = tuple(globs)
        self._index = _Index([(glob, 0) for glob in self.globs])

    def matches(self, path: str) -> bool:
        """Whether some glob of the set matches `path` (texts that are no valid path never match)."""
        return is_valid_path(path) and next(self._index.found(path), None) is not None


def owner_globs(owns: Sequence[str]) -> GlobSet:
    """A teammate's `owns` as plan.json keeps them (`!` items included): what it may write. The runner checks
    commits against it, the guard each write."""
    return GlobSet(parse_glob_list(owns))


def owner_index(named: Mapping[str, Sequence[Glob]]) -> Callable[[str], list[str]]:
    """A function from a path to the names (in `named` order) whose globs match it, e.g. teammates' `owns`.

    One index over every name's globs: a path costs the same look-ups however many names there are,
    and a path owned twice reports both owners.
    """
    names = list(named)
    index = _Index([(glob, number) for number, name in enumerate(names) for glob in named[name]])

    def owners(path: str) -> list[str]:
        if not is_valid_path(path):
            return []
        return [names[number] for number in sorted(set(index.found(path)))]

    return owners


class TrackedFiles:
    """The repository's tracked files, sorted so a glob's literal prefix selects the range to try."""

    def __init__(self, files: Sequence[str]) -> None:
        self.files = sorted(path for path in files if is_valid_path(path))
        self.present = frozenset(self.files)
        self._matching: dict[str, frozenset[str]] = {}
        self._entries: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {}

    def entries(self, folder: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
        """The names of the files and of the subfolders directly in `folder` (`""` or ending in `/`), each
        subfolder skipped with one bisection: the cost grows with the folder's entries, not its depth."""
        found = self._entries.get(folder)
        if found is None:
            files: list[str] = []
            folders: list[str] = []
            position = bisect_left(self.files, folder)
            while position < len(self.files) and self.files[position].startswith(folder):
                name, slash, _ = self.files[position][len(folder) :].partition("/")
                if not slash:
                    files.append(name)
                    position += 1
                    continue
                folders.append(name)
                position = bisect_left(self.files, f"{folder}{name}0", position)  # `0` follows `/`
            found = self._entries[folder] = (tuple(files), tuple(folders))
        return found

    def has_subfolders(self, folder: str) -> bool:
        """Whether a tracked file lies in a subfolder of `folder` (ending in `/`): whether the files below it
        hold more `/` than files directly in it would (counted in one pass of C, not a loop per file)."""
        start = bisect_left(self.files, folder)
        end = bisect_left(self.files, folder[:-1] + "0", start)  # `0` follows `/`: past everything below
        below = self.files[start:end]
        return "".join(below).count("/") > folder.count("/") * len(below)

    def below(self, folder: str, most: int) -> list[str]:
        """The first `most` tracked files below `folder` (`""` or ending in `/`), at any depth."""
        start = bisect_left(self.files, folder)
        found = []
        for path in self.files[start : start + most]:
            if not path.startswith(folder):
                break
            found.append(path)
        return found

    def matching(self, glob: Glob) -> frozenset[str]:
        """The tracked files `glob` (minus its exclusions) matches; computed once per glob."""
        found = self._matching.get(glob.key)
        if found is None:
            found = self._matching[glob.key] = frozenset(self._scan(glob))
        return found

    def any_match(self, glob: Glob) -> bool:
        """Whether some tracked file matches `glob`, stopping at the first."""
        return next(self._scan(glob), None) is not None

    def _scan(self, glob: Glob) -> Iterator[str]:
        """The matching files (one may come twice): only the ranges of the glob's literal prefixes."""
        path = plain_path(glob)
        if path is not None:
            yield from (path,) if path in self.present else ()
            return
        files = self.files
        for prefix, check in _checks(glob):
            for position in range(bisect_left(files, prefix), len(files)):
                candidate = files[position]
                if not candidate.startswith(prefix):
                    break
                if check.matches(candidate):
                    yield candidate


def most_readable(paths: frozenset[str] | set[str]) -> str | None:
    """The witness to show among several paths: the shortest, then the most readable (`char_rank`)."""
    return min(paths, key=lambda path: (len(path), [char_rank(char) for char in path]), default=None)
