"""The glob algebra: matching, overlap with a witness, inclusion, many-file matching.

The linter decides *overlap* (some path matches both globs) and *inside* (every path A
matches is matched by a glob of B) exactly on the patterns, not on the files that exist
today, and shows a witness path (docs/globs.md). A glob here means its pattern
minus the exclusions of its list (`Glob.excluded`), so both questions decide on the difference.

Cost model. Every question is polynomial in the globs' sizes except where a side must *reject*
(an exclusion, the union a glob must lie inside), which is determinised lazily; and every
question runs under a `Budget` of automaton steps, raising `TooComplex` past it (callers report
RY004 instead of hanging). For ownership checks over many globs, `overlap_candidates` first
applies a cheap *necessary* condition (`may_overlap`: literal prefixes and literal suffixes must
be compatible) through an index, and the exact search runs only on the pairs that survive.
When the linter sees the repository, a tracked file both globs match is the witness of choice.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from rallyc.automata import Budget, LazyDfa, Nfa, TooComplex
from rallyc.automata import union as nfa_union
from rallyc.globnfa import clear_nfas, glob_nfa, is_valid_path, match
from rallyc.globset import (
    GlobSet,
    TrackedFiles,
    literal_prefixes,
    literal_suffix,
    most_readable,
    owner_index,
)
from rallyc.syntax import Glob
from rallyc.witness import preference, witness

__all__ = [
    "GlobOverlap",
    "GlobSet",
    "TooComplex",
    "TrackedFiles",
    "clear_caches",
    "complexity",
    "inside",
    "is_valid_path",
    "literal_prefixes",
    "literal_suffix",
    "match",
    "may_overlap",
    "overlap",
    "overlap_candidates",
    "overlaps",
    "overlapping_pairs",
    "overlapping_some",
    "owner_index",
]


# ---- unions, cached ------------------------------------------------------------------

_UNIONS: dict[tuple[str, ...], Nfa] = {}
_NEGATIVES: dict[tuple[str, ...], LazyDfa] = {}
_CACHE_SIZE = 256


def _union(globs: Sequence[Glob]) -> Nfa:
    """One NFA for the globs' patterns (their own exclusions apart)."""
    key = tuple(sorted({glob.text for glob in globs}))
    found = _UNIONS.get(key)
    if found is None:
        if len(_UNIONS) >= _CACHE_SIZE:
            _UNIONS.clear()
        found = _UNIONS[key] = nfa_union([glob_nfa(glob) for glob in globs])
    return found


def _negative(globs: Sequence[Glob]) -> LazyDfa | None:
    """The side a witness must not be in: a lazy DFA of the globs' union (None for no globs).

    Kept across questions: RY102 asks about many globs against one teammate's `owns`.
    """
    if not globs:
        return None
    key = tuple(sorted({glob.text for glob in globs}))
    found = _NEGATIVES.get(key)
    if found is None:
        if len(_NEGATIVES) >= _CACHE_SIZE:
            _NEGATIVES.clear()
        found = _NEGATIVES[key] = LazyDfa(_union(globs))
    return found


def clear_caches() -> None:
    """Forget every compiled automaton (tests, benchmarks, long-running processes)."""
    clear_nfas()
    _UNIONS.clear()
    _NEGATIVES.clear()


# ---- questions ---------------------------------------------------------------------


def overlap(a: Glob, b: Glob, tracked: TrackedFiles | None = None, budget: Budget | None = None) -> str | None:
    """A path both globs match (a tracked file if one is, else the preferred one), or None if disjoint.

    TooComplex when the answer needs more steps than the budget allows (a fresh STEP_BUDGET by default).
    """
    if not may_overlap(a, b):
        return None
    if tracked is not None:
        common = tracked.matching(a) & tracked.matching(b)
        if common:
            return most_readable(common)
    return witness((glob_nfa(a), glob_nfa(b)), _negative((*a.excluded, *b.excluded)), budget or Budget())


def overlaps(a: Glob, b: Glob) -> bool:
    """Whether some path matches both globs: `overlap` without looking for the most readable witness."""
    if not may_overlap(a, b):
        return False
    return witness((glob_nfa(a), glob_nfa(b)), _negative((*a.excluded, *b.excluded)), Budget(), readable=False) is not None


def inside(
    a: Glob, globs: Sequence[Glob], tracked: TrackedFiles | None = None, budget: Budget | None = None
) -> str | None:
    """None when every path `a` matches is matched by one of `globs`; else a path that is not.

    `globs` are one list's (they share its exclusions Y). A path outside is either outside every
    pattern of `globs`, or inside Y: two searches whose negative side is a plain union, the
    preferred answer of the two. A tracked file outside comes first. TooComplex past the budget.
    """
    if tracked is not None:
        outside = set(tracked.matching(a)).difference(*(tracked.matching(glob) for glob in globs))
        if outside:
            return most_readable(outside)
    removed = globs[0].excluded if globs else ()
    if any(glob.excluded != removed for glob in globs):
        raise ValueError("inside() compares with the globs of one list: they must share its exclusions")
    budget = budget or Budget()
    found = [witness((glob_nfa(a),), _negative((*a.excluded, *globs)), budget)]
    if removed:
        found.append(witness((glob_nfa(a), _union(removed)), _negative(a.excluded), budget))
    return min((path for path in found if path is not None), key=preference, default=None)


# ---- pre-filter for many pairs -------------------------------------------------------

def may_overlap(a: Glob, b: Glob) -> bool:
    """A necessary condition for `overlap`: a common path starts with both prefixes and ends with both suffixes.

    So one prefix must start the other (`src/api/` and `src/`, not `src/` and
    `docs/`) and one suffix must end the other (`.py` and `.md` never meet).
    """
    prefixes_agree = any(
        one.startswith(other) or other.startswith(one)
        for one in literal_prefixes(a)
        for other in literal_prefixes(b)
    )
    return prefixes_agree and _suffixes_agree(literal_suffix(a), literal_suffix(b))


def overlap_candidates(left: Sequence[Glob], right: Sequence[Glob]) -> Iterator[tuple[int, int]]:
    """Index pairs `(i, j)` that pass `may_overlap`, found without trying all `len(left) * len(right)`.

    Right globs are indexed by literal prefix: for a left prefix `p`, partners
    have a prefix that is `p` cut short (one dict look-up per distinct prefix
    length) or one that extends `p` (a range of the sorted prefixes).
    """
    by_prefix: dict[str, list[int]] = {}
    for index, glob in enumerate(right):
        for prefix in literal_prefixes(glob):
            by_prefix.setdefault(prefix, []).append(index)
    lengths = sorted({len(prefix) for prefix in by_prefix})
    ordered = sorted(by_prefix)
    for i, glob in enumerate(left):
        partners = {j for prefix in literal_prefixes(glob) for j in _prefix_partners(prefix, by_prefix, lengths, ordered)}
        for j in sorted(partners):
            if _suffixes_agree(literal_suffix(glob), literal_suffix(right[j])):
                yield i, j


def _prefix_partners(
    prefix: str, by_prefix: dict[str, list[int]], lengths: list[int], ordered: list[str]
) -> Iterator[int]:
    for length in lengths:
        if length > len(prefix):
            break
        yield from by_prefix.get(prefix[:length], ())
    position = bisect_left(ordered, prefix)
    while position < len(ordered) and ordered[position].startswith(prefix):
        if len(ordered[position]) > len(prefix):
            yield from by_prefix[ordered[position]]
        position += 1


def _suffixes_agree(one: str, other: str) -> bool:
    return one.endswith(other) or other.endswith(one)


@dataclass(frozen=True, slots=True)
class GlobOverlap:
    """Two globs that share a path, and that path; `witness` is None when the question was too complex."""

    left: Glob
    right: Glob
    witness: str | None


def overlapping_pairs(
    left: Sequence[Glob], right: Sequence[Glob], tracked: TrackedFiles | None = None
) -> list[GlobOverlap]:
    """Every (left, right) pair that overlaps or could not be decided, in index order."""
    found = []
    for i, j in sorted(overlap_candidates(left, right)):
        try:
            witness_path = overlap(left[i], right[j], tracked)
        except TooComplex:
            found.append(GlobOverlap(left[i], right[j], None))
            continue
        if witness_path is not None:
            found.append(GlobOverlap(left[i], right[j], witness_path))
    return found


def complexity(glob: Glob) -> int:
    """How big a glob's automata are: the NFA states of its pattern and of its exclusions."""
    return len(glob_nfa(glob)) + sum(len(glob_nfa(excluded)) for excluded in glob.excluded)


def overlapping_some(globs: Sequence[Glob], others: Sequence[Glob]) -> tuple[set[int], dict[int, int]]:
    """Which of `globs` overlap one of `others` (their indexes), and which could not be decided
    (index -> the index in `others` it was too complex against). One exact search per glob, at
    most, once one partner overlaps it."""
    found: set[int] = set()
    undecided: dict[int, int] = {}
    for i, j in overlap_candidates(globs, others):
        if i in found:
            continue
        try:
            if overlaps(globs[i], others[j]):
                found.add(i)
        except TooComplex:
            undecided.setdefault(i, j)
    return found, {i: j for i, j in undecided.items() if i not in found}
