"""Many paths against many globs: `rallyc owners`, the runner's ownership check, the repository checks.

Every glob is matched by its automaton (`rallyc.globnfa`), never by a backtracking regular
expression, so no glob can make matching slow. What keeps it fast is not trying most globs at
all: globs are indexed by their literal prefix (a path is only tried against the globs whose
prefix it starts with, one dictionary look-up per distinct prefix length) and their literal
suffix is compared before the automaton runs.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence

from rallyc.globnfa import is_valid_path, matches
from rallyc.syntax import Glob, Literal
from rallyc.witness import char_rank


def literal_prefix(glob: Glob) -> str:
    """Text every matched path starts with: the leading literal characters."""
    first = glob.nodes[0] if glob.nodes else None
    return first.text if isinstance(first, Literal) else ""


def literal_suffix(glob: Glob) -> str:
    """Text every matched path ends with: the trailing literal characters (`.py` in `src/*.py`)."""
    last = glob.nodes[-1] if glob.nodes else None
    return last.text if isinstance(last, Literal) else ""


def plain_path(glob: Glob) -> str | None:
    """The one path a glob without wildcards or exclusions matches (`docs/x.md`), else None."""
    if len(glob.nodes) == 1 and isinstance(glob.nodes[0], Literal) and not glob.excluded:
        return glob.nodes[0].text
    return None


class _Index:
    """Items (a glob and what to report for it) by literal prefix; exact paths in a dict of their own."""

    def __init__(self, items: Sequence[tuple[Glob, int]]) -> None:
        self.exact: dict[str, list[int]] = {}
        self.by_prefix: dict[str, list[tuple[str, Glob, int]]] = {}
        for glob, value in items:
            path = plain_path(glob)
            if path is not None:
                self.exact.setdefault(path, []).append(value)
            else:
                self.by_prefix.setdefault(literal_prefix(glob), []).append((literal_suffix(glob), glob, value))
        self.lengths = sorted({len(prefix) for prefix in self.by_prefix})

    def found(self, path: str) -> Iterator[int]:
        """The values of the items matching `path`, a valid path (each item once, exact paths first)."""
        yield from self.exact.get(path, ())
        for length in self.lengths:
            if length > len(path):
                return
            for suffix, glob, value in self.by_prefix.get(path[:length], ()):
                if path.endswith(suffix) and matches(glob, path):
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
        path = plain_path(glob)
        if path is not None:
            yield from (path,) if path in self.present else ()
            return
        prefix, files = literal_prefix(glob), self.files
        for position in range(bisect_left(files, prefix), len(files)):
            candidate = files[position]
            if not candidate.startswith(prefix):
                return
            if matches(glob, candidate):
                yield candidate


def most_readable(paths: frozenset[str] | set[str]) -> str | None:
    """The witness to show among several paths: the shortest, then the most readable (`char_rank`)."""
    return min(paths, key=lambda path: (len(path), [char_rank(char) for char in path]), default=None)
