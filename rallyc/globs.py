"""The glob algebra: matching, overlap with a witness, inclusion, many-file matching.

LANGUAGE.md ("Derived semantics") asks the linter to decide *overlap* (some
path matches both globs) and *inside* (every path A matches is matched by a
glob of B) exactly on the patterns, not on the files that exist today, and to
show a witness path. Both are searches over automata (`rallyc.automata`),
intersected with the language of valid paths: non-empty segments joined by
`/`, so `a/*/b` never "matches" `a//b` and every witness is a real path.

Cost model. The automaton of a glob is built once per glob text and kept
(`machine`); its DFA grows lazily as questions are asked. For ownership
checks over many globs, `overlapping_pairs` first applies a cheap *necessary*
condition (`may_overlap`: literal prefixes and literal suffixes must be
compatible) through an index (`overlap_candidates`), and runs the exact
product search only on the pairs that survive (`overlap` itself checks
`may_overlap` first, so a single call on disjoint globs is cheap). Matching many files uses plain
`re` instead (`GlobSet`, `owner_index`): the node tree translates to a regex
and a set of globs to one pattern, factored on literal prefixes like a trie.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeAlias

from rallyc.automata import NOT_SLASH, SLASH_SET, CharSet, LazyDfa, Nfa, NfaBuilder, char_set, complement, shortest_word
from rallyc.automata import union as nfa_union
from rallyc.automata import without_slash
from rallyc.syntax import AnyChar, AnyDirs, AnyPath, AnyRun, CharClass, Choice, Glob, GlobNode, Literal

__all__ = [
    "GlobOverlap",
    "GlobSet",
    "clear_caches",
    "glob_regex",
    "inside",
    "is_valid_path",
    "literal_prefix",
    "literal_prefixes",
    "literal_suffix",
    "machine",
    "match",
    "may_overlap",
    "overlap",
    "overlap_candidates",
    "overlapping_pairs",
    "owner_index",
]


def is_valid_path(path: str) -> bool:
    """Non-empty segments joined by `/`: no leading, trailing or doubled `/`."""
    return bool(path) and path[0] != "/" and path[-1] != "/" and "//" not in path


# ---- automata, cached -------------------------------------------------------------

_MACHINES: dict[str, LazyDfa] = {}
_UNIONS: dict[tuple[str, ...], LazyDfa] = {}
_UNION_CACHE_SIZE = 256


def machine(glob: Glob) -> LazyDfa:
    """The lazy DFA of a glob, built once per glob text (the linter asks about each many times)."""
    found = _MACHINES.get(glob.text)
    if found is None:
        found = _MACHINES[glob.text] = LazyDfa(_glob_nfa(glob))
    return found


def _union_machine(globs: Sequence[Glob]) -> LazyDfa:
    key = tuple(glob.text for glob in globs)
    found = _UNIONS.get(key)
    if found is None:
        if len(_UNIONS) >= _UNION_CACHE_SIZE:
            _UNIONS.clear()
        found = _UNIONS[key] = LazyDfa(nfa_union([machine(glob).nfa for glob in globs]))
    return found


def clear_caches() -> None:
    """Forget every compiled automaton (tests, long-running processes)."""
    _MACHINES.clear()
    _UNIONS.clear()


def _glob_nfa(glob: Glob) -> Nfa:
    builder = NfaBuilder()
    start = builder.state()
    return builder.build(start, _sequence(builder, glob.nodes, start))


def _sequence(builder: NfaBuilder, nodes: Sequence[GlobNode], at: int) -> int:
    """Add `nodes` after state `at`; return the state reached at their end."""
    for node in nodes:
        at = _node(builder, node, at)
    return at


def _node(builder: NfaBuilder, node: GlobNode, at: int) -> int:
    if isinstance(node, Literal):
        for char in node.text:
            at = _one_char(builder, at, ((ord(char), ord(char)),))
        return at
    if isinstance(node, (AnyChar, CharClass)):
        return _one_char(builder, at, _class_set(node) if isinstance(node, CharClass) else NOT_SLASH)
    if isinstance(node, Choice):
        return _choice(builder, node, at)
    loop = builder.state()  # fresh states for loops: Thompson's rule against leaking cycles
    builder.empty_move(at, loop)
    if isinstance(node, AnyRun):
        builder.move(loop, NOT_SLASH, loop)
        return loop
    return _segments(builder, loop, ends_with_slash=isinstance(node, AnyDirs))


def _one_char(builder: NfaBuilder, at: int, charset: CharSet) -> int:
    target = builder.state()
    builder.move(at, charset, target)
    return target


def _segments(builder: NfaBuilder, entry: int, ends_with_slash: bool) -> int:
    """`**/` is `([^/]+/)*` (ends at `entry`); a final `**` is `[^/]+(/[^/]+)*` (ends in a segment)."""
    inside = builder.state()
    builder.move(entry, NOT_SLASH, inside)
    builder.move(inside, NOT_SLASH, inside)
    if ends_with_slash:
        builder.move(inside, SLASH_SET, entry)
        return entry
    after_slash = builder.state()
    builder.move(inside, SLASH_SET, after_slash)
    builder.move(after_slash, NOT_SLASH, inside)
    return inside


def _choice(builder: NfaBuilder, node: Choice, at: int) -> int:
    end = builder.state()
    for alternative in node.alternatives:
        begin = builder.state()
        builder.empty_move(at, begin)
        builder.empty_move(_sequence(builder, alternative, begin), end)
    return end


def _class_set(node: CharClass) -> CharSet:
    chosen = char_set((ord(low), ord(high)) for low, high in node.ranges)
    return without_slash(complement(chosen) if node.negated else chosen)


# ---- questions ---------------------------------------------------------------------


def match(glob: Glob, path: str) -> bool:
    """Whether `glob` matches the valid path `path` (invalid paths never match)."""
    return is_valid_path(path) and machine(glob).accepts(path)


def overlap(a: Glob, b: Glob) -> str | None:
    """A shortest path both globs match, or None if they are disjoint (see `_witness`)."""
    if not may_overlap(a, b):
        return None
    return _witness((machine(a), machine(b)), (True, True))


def inside(a: Glob, globs: Sequence[Glob]) -> str | None:
    """None when every path `a` matches is matched by one of `globs`; else a shortest path that is not."""
    return _witness((machine(a), _union_machine(globs)), (True, False))


def _witness(machines: tuple[LazyDfa, LazyDfa], wanted: tuple[bool, bool]) -> str | None:
    """The shortest witness with no hidden (dot) names, else the shortest of all.

    `src/api/.py` is shorter than `src/api/a.py`, but a witness should read as
    a file a person would write, so a dot-name appears only when it must.
    """
    return shortest_word(machines, wanted, plain=True) or shortest_word(machines, wanted)


# ---- pre-filter for many pairs -------------------------------------------------------


def literal_prefix(glob: Glob) -> str:
    """Text every matched path starts with: the leading literal characters."""
    first = glob.nodes[0] if glob.nodes else None
    return first.text if isinstance(first, Literal) else ""


_MAX_PREFIXES = 32


def literal_prefixes(glob: Glob) -> tuple[str, ...]:
    """Every matched path starts with one of these: braces after the literal prefix are expanded.

    `pkg/{lib,src}7/**` gives `pkg/lib7/` and `pkg/src7/`, where `literal_prefix`
    stops at `pkg/` and would pair the glob with everything under `pkg/`.
    """
    return tuple(sorted(set(_prefixes(glob.nodes, ""))))


def _prefixes(nodes: Sequence[GlobNode], before: str) -> list[str]:
    if not nodes:
        return [before]
    first, rest = nodes[0], tuple(nodes[1:])
    if isinstance(first, Literal):
        return _prefixes(rest, before + first.text)
    if not isinstance(first, Choice):
        return [before]
    found = [prefix for alternative in first.alternatives for prefix in _prefixes((*alternative, *rest), before)]
    return found if len(found) <= _MAX_PREFIXES else [before]


def literal_suffix(glob: Glob) -> str:
    """Text every matched path ends with: the trailing literal characters (`.py` in `src/*.py`)."""
    last = glob.nodes[-1] if glob.nodes else None
    return last.text if isinstance(last, Literal) else ""


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
    """Two globs that share a path, and the shortest such path."""

    left: Glob
    right: Glob
    witness: str


def overlapping_pairs(left: Sequence[Glob], right: Sequence[Glob]) -> list[GlobOverlap]:
    """Every overlapping (left, right) pair, in index order: pre-filter, then the exact search."""
    found = []
    for i, j in sorted(overlap_candidates(left, right)):
        witness = overlap(left[i], right[j])
        if witness is not None:
            found.append(GlobOverlap(left[i], right[j], witness))
    return found


# ---- many files: regular expressions -----------------------------------------------------


def glob_regex(glob: Glob) -> str:
    """The glob as a Python regex for `fullmatch` on valid paths."""
    return _nodes_regex(glob.nodes)


def _nodes_regex(nodes: Sequence[GlobNode]) -> str:
    return "".join(_node_regex(node) for node in nodes)


def _node_regex(node: GlobNode) -> str:
    if isinstance(node, Literal):
        return re.escape(node.text)
    if isinstance(node, AnyRun):
        return "[^/]*"
    if isinstance(node, AnyChar):
        return "[^/]"
    if isinstance(node, CharClass):
        return _class_regex(_class_set(node))
    if isinstance(node, AnyDirs):
        return "(?:[^/]+/)*"
    if isinstance(node, AnyPath):
        return "[^/]+(?:/[^/]+)*"
    return "(?:" + "|".join(_nodes_regex(alternative) for alternative in node.alternatives) + ")"


def _class_regex(charset: CharSet) -> str:
    if not charset:
        return "(?!)"
    parts = (f"\\U{low:08x}" if low == high else f"\\U{low:08x}-\\U{high:08x}" for low, high in charset)
    return "[" + "".join(parts) + "]"


_Trie: TypeAlias = dict[str, "_Trie"]
"""Literal characters to subtries; key "" holds the regexes of what follows each prefix."""


def _trie_regex(globs: Sequence[Glob]) -> str:
    """One alternation, factored on literal prefixes so `re` drops most globs at their first character."""
    root: _Trie = {}
    for glob in globs:
        prefix = literal_prefix(glob)
        node = root
        for char in prefix:
            node = node.setdefault(char, {})
        node.setdefault("", {})[_nodes_regex(glob.nodes[1:] if prefix else glob.nodes)] = {}
    return _trie_branches(root)


def _trie_branches(node: _Trie) -> str:
    branches = sorted(node.get("", {}))
    for char, child in sorted(node.items()):
        if char:
            branches.append(re.escape(char) + _trie_branches(child))
    if len(branches) == 1:
        return branches[0]
    return "(?:" + "|".join(branches) + ")"


class GlobSet:
    """Many globs compiled into one `re` pattern, for matching thousands of files quickly."""

    __slots__ = ("globs", "fullmatch")

    def __init__(self, globs: Sequence[Glob]) -> None:
        self.globs = tuple(globs)
        self.fullmatch = re.compile(_set_regex(self.globs), re.DOTALL).fullmatch
        """The raw compiled `fullmatch`: for callers that checked `is_valid_path` already."""

    def matches(self, path: str) -> bool:
        """Whether some glob of the set matches the valid path `path`."""
        return is_valid_path(path) and self.fullmatch(path) is not None


def _set_regex(globs: Sequence[Glob]) -> str:
    if not globs:
        return "(?!)"
    try:
        pattern = _trie_regex(globs)
        re.compile(pattern)
        return pattern
    except (RecursionError, re.error):  # a freakishly deep trie: fall back to a flat alternation
        return "|".join(glob_regex(glob) for glob in globs)


def owner_index(named: Mapping[str, Sequence[Glob]]) -> Callable[[str], list[str]]:
    """A function from a path to the names (in `named` order) whose globs match it, e.g. teammates' `owns`.

    One compiled pattern per name rather than one pattern with a group per name:
    a path owned twice must report both owners, which one alternation cannot.
    """
    matchers = [(name, GlobSet(globs).fullmatch) for name, globs in named.items() if globs]

    def owners(path: str) -> list[str]:
        if not is_valid_path(path):
            return []
        return [name for name, fullmatch in matchers if fullmatch(path) is not None]

    return owners
