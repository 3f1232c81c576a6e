"""Finite automata over path characters: the machinery under `rallyc.globs`.

Characters are handled symbolically. Every move of an automaton carries a
`CharSet` (code-point ranges), and the code points where some set starts or
stops cut the whole of Unicode into a few intervals no move tells apart. A
lazy DFA steps on interval numbers, so a glob costs a handful of symbols
whatever the paths hold (emoji, surrogate-escaped bytes).

A glob becomes a Thompson NFA (`NfaBuilder`); `LazyDfa` determinises it on
demand, one cached row per subset reached, because the linter asks about the
same glob again and again but visits few of its subsets. `shortest_word`
searches a product of lazy DFAs, plus the "valid path" automaton, breadth
first: the first word found is the shortest, and among those the smallest
under `char_rank`, so witnesses are stable and readable.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeAlias

CharSet: TypeAlias = tuple[tuple[int, int], ...]
"""Sorted, disjoint, inclusive code-point ranges."""

MAX_CODE = 0x10FFFF
SLASH = ord("/")
SLASH_SET: CharSet = ((SLASH, SLASH),)
NOT_SLASH: CharSet = ((0, SLASH - 1), (SLASH + 1, MAX_CODE))
DEAD = 0
"""Every `LazyDfa` numbers the empty subset 0: nothing can be accepted from it."""


# ---- character sets ------------------------------------------------------------


def char_set(ranges: Iterable[tuple[int, int]]) -> CharSet:
    """Sort and merge ranges so equal sets compare equal."""
    merged: list[tuple[int, int]] = []
    for low, high in sorted(ranges):
        if merged and low <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], high))
        else:
            merged.append((low, high))
    return tuple(merged)


def complement(charset: CharSet) -> CharSet:
    """Every code point not in `charset`."""
    gaps: list[tuple[int, int]] = []
    start = 0
    for low, high in charset:
        if low > start:
            gaps.append((start, low - 1))
        start = high + 1
    if start <= MAX_CODE:
        gaps.append((start, MAX_CODE))
    return tuple(gaps)


def without_slash(charset: CharSet) -> CharSet:
    """`charset` minus `/`: no single-character pattern ever crosses a segment."""
    return complement(char_set(complement(charset) + SLASH_SET))


def contains(charset: CharSet, code: int) -> bool:
    return any(low <= code <= high for low, high in charset)


# ---- readable representatives ------------------------------------------------------

_PREFERRED = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ._-"
_PREFERRED_RANK = {char: rank for rank, char in enumerate(_PREFERRED)}


def char_rank(char: str) -> int:
    """Witness order: lower-case letters, digits, upper case, `._-`, then by code point."""
    return _PREFERRED_RANK.get(char, len(_PREFERRED) + ord(char))


@lru_cache(maxsize=4096)
def representative(low: int, high: int) -> str:
    """The most readable character of an interval, so witnesses read `src/a.py`, not `src/\\x00.py`."""
    for char in _PREFERRED:
        if low <= ord(char) <= high:
            return char
    for code in (max(low, 0x21), max(low, 0xA1)):  # printable ASCII, then printable Latin-1 on
        if code <= high:
            return chr(code)
    return chr(low)


# ---- NFA -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Nfa:
    """An NFA without empty moves left: `closures[s]` is `s` plus all it reaches by them."""

    moves: tuple[tuple[tuple[CharSet, int], ...], ...]
    closures: tuple[frozenset[int], ...]
    start: frozenset[int]
    accepts: frozenset[int]
    bounds: tuple[int, ...]
    """Sorted code points where an interval starts; always begins with 0."""


class NfaBuilder:
    """Thompson construction: callers add states, character moves and empty moves."""

    def __init__(self) -> None:
        self._moves: list[list[tuple[CharSet, int]]] = []
        self._empty: list[list[int]] = []

    def state(self) -> int:
        self._moves.append([])
        self._empty.append([])
        return len(self._moves) - 1

    def move(self, source: int, charset: CharSet, target: int) -> None:
        self._moves[source].append((charset, target))

    def empty_move(self, source: int, target: int) -> None:
        self._empty[source].append(target)

    def build(self, start: int, accept: int) -> Nfa:
        closures = tuple(self._closure(state) for state in range(len(self._moves)))
        moves = tuple(tuple(row) for row in self._moves)
        return Nfa(moves, closures, closures[start], frozenset({accept}), _bounds(moves))

    def _closure(self, state: int) -> frozenset[int]:
        seen = {state}
        stack = [state]
        while stack:
            for target in self._empty[stack.pop()]:
                if target not in seen:
                    seen.add(target)
                    stack.append(target)
        return frozenset(seen)


def _bounds(moves: Iterable[Iterable[tuple[CharSet, int]]]) -> tuple[int, ...]:
    cuts = {0}
    for row in moves:
        for charset, _ in row:
            for low, high in charset:
                cuts.update((low, high + 1))
    cuts.discard(MAX_CODE + 1)
    return tuple(sorted(cuts))


def union(nfas: Sequence[Nfa]) -> Nfa:
    """One NFA accepting what any of `nfas` accepts (none: accepts nothing)."""
    moves: list[tuple[tuple[CharSet, int], ...]] = []
    closures: list[frozenset[int]] = []
    start: set[int] = set()
    accepts: set[int] = set()
    for nfa in nfas:
        offset = len(moves)
        moves.extend(tuple((charset, target + offset) for charset, target in row) for row in nfa.moves)
        closures.extend(frozenset(state + offset for state in closure) for closure in nfa.closures)
        start.update(state + offset for state in nfa.start)
        accepts.update(state + offset for state in nfa.accepts)
    bounds = tuple(sorted({cut for nfa in nfas for cut in nfa.bounds} | {0}))
    return Nfa(tuple(moves), tuple(closures), frozenset(start), frozenset(accepts), bounds)


# ---- lazy DFA ----------------------------------------------------------------------


class LazyDfa:
    """Subset construction on demand; state `DEAD` (0) is the empty subset."""

    __slots__ = ("nfa", "bounds", "start", "accepting", "_ids", "_subsets", "_rows", "_ranges")

    def __init__(self, nfa: Nfa) -> None:
        self.nfa = nfa
        self.bounds = nfa.bounds
        self.accepting: list[bool] = []
        self._ids: dict[frozenset[int], int] = {}
        self._subsets: list[frozenset[int]] = []
        self._rows: list[list[int]] = []
        self._ranges: dict[tuple[int, bool], tuple[tuple[int, int, int], ...]] = {}
        self._intern(frozenset())
        self.start = self._intern(nfa.start)

    def symbol(self, code: int) -> int:
        """The interval holding `code`, numbered in this automaton's own alphabet."""
        return bisect_right(self.bounds, code) - 1

    def step(self, state: int, symbol: int) -> int:
        target = self._rows[state][symbol]
        if target < 0:
            moves = [move for source in self._subsets[state] for move in self.nfa.moves[source]]
            target = self._rows[state][symbol] = self._intern(self._reach(moves, self.bounds[symbol]))
        return target

    def ranges(self, state: int, live_only: bool) -> tuple[tuple[int, int, int], ...]:
        """Moves out of `state` as sorted `(low, high, target)`, neighbours with one target merged.

        With `live_only`, moves into `DEAD` are left out. Computed once per state.
        """
        found = self._ranges.get((state, live_only))
        if found is None:
            found = self._ranges[(state, live_only)] = self._merged_ranges(state, live_only)
        return found

    def _merged_ranges(self, state: int, live_only: bool) -> tuple[tuple[int, int, int], ...]:
        """Only the cuts of the moves leaving this subset matter: a literal position has one or two."""
        moves = [move for source in self._subsets[state] for move in self.nfa.moves[source]]
        cuts = sorted({0}.union(*((low, high + 1) for charset, _ in moves for low, high in charset)) - {MAX_CODE + 1})
        merged: list[tuple[int, int, int]] = []
        for low, following in zip(cuts, (*cuts[1:], MAX_CODE + 1)):
            target = self._intern(self._reach(moves, low))
            if live_only and target == DEAD:
                continue
            if merged and merged[-1][2] == target and merged[-1][1] == low - 1:
                merged[-1] = (merged[-1][0], following - 1, target)
            else:
                merged.append((low, following - 1, target))
        return tuple(merged)

    def accepts(self, text: str) -> bool:
        """Whether the automaton accepts `text` (no path validity check here)."""
        state, rows, bounds = self.start, self._rows, self.bounds
        for char in text:
            symbol = bisect_right(bounds, ord(char)) - 1
            target = rows[state][symbol]
            state = target if target >= 0 else self.step(state, symbol)
            if state == DEAD:
                return False
        return self.accepting[state]

    def _reach(self, moves: list[tuple[CharSet, int]], code: int) -> frozenset[int]:
        reached: set[int] = set()
        for charset, target in moves:
            for low, high in charset:
                if low <= code <= high:
                    reached |= self.nfa.closures[target]
                    break
        return frozenset(reached)

    def _intern(self, subset: frozenset[int]) -> int:
        found = self._ids.get(subset)
        if found is not None:
            return found
        number = self._ids[subset] = len(self._subsets)
        self._subsets.append(subset)
        self.accepting.append(bool(subset & self.nfa.accepts))
        self._rows.append([DEAD if not subset else -1] * len(self.bounds))
        return number


# ---- product search ------------------------------------------------------------------

_Step: TypeAlias = tuple[int, int, tuple[int, ...]]
"""Code points `low..high` all lead the product to the same machine states."""


def _intersect(steps: list[_Step], ranges: tuple[tuple[int, int, int], ...]) -> list[_Step]:
    """Refine product steps by one more machine's ranges (both lists sorted by code point)."""
    refined: list[_Step] = []
    index = 0
    for low, high, states in steps:
        while index < len(ranges) and ranges[index][1] < low:
            index += 1
        probe = index
        while probe < len(ranges) and ranges[probe][0] <= high:
            r_low, r_high, target = ranges[probe]
            refined.append((max(low, r_low), min(high, r_high), (*states, target)))
            probe += 1
    return refined


_EVERY_CHAR: list[_Step] = [(0, SLASH - 1, ()), (SLASH, SLASH, ()), (SLASH + 1, MAX_CODE, ())]


_Letter: TypeAlias = tuple[str, tuple[int, ...]]
"""A witness character and the machine states it leads to."""
_Parents: TypeAlias = dict[tuple[int, ...], tuple[tuple[int, ...], str]]


def _letters(machines: Sequence[LazyDfa], states: tuple[int, ...], wanted: Sequence[bool]) -> list[_Letter]:
    """The distinct moves out of a product state, as (witness char, next states), best char first.

    A machine that must accept contributes only its live ranges, so a literal
    position offers one letter instead of the whole alphabet.
    """
    steps = _EVERY_CHAR
    for machine, state, want in zip(machines, states, wanted):
        steps = _intersect(steps, machine.ranges(state, live_only=want))
    letters = [(representative(low, high), targets) for low, high, targets in steps]
    return sorted(letters, key=_rank_of_letter) if len(letters) > 1 else letters


def _rank_of_letter(letter: _Letter) -> int:
    return char_rank(letter[0])


def shortest_word(machines: Sequence[LazyDfa], wanted: Sequence[bool], *, plain: bool = False) -> str | None:
    """The shortest valid path that machine i accepts exactly when `wanted[i]`, or None.

    With `plain`, only paths with no segment starting with `.` count.

    Breadth first over the product, letters in `char_rank` order: the first goal
    reached is the shortest word and, among equals, the smallest in that order.
    A valid path is non-empty segments joined by `/`, tracked by the first
    component: 0 at a segment's start (no `/` allowed), 1 inside a segment
    (the only place a path may end).
    """
    first = (0, *(machine.start for machine in machines))
    parents: _Parents = {first: (first, "")}
    queue = deque([first])
    while queue:
        current = queue.popleft()
        for char, targets in _letters(machines, current[1:], wanted):
            if current[0] == 0 and (char == "/" or (plain and char == ".")):
                continue  # an empty segment, or a hidden name when plain ones are wanted
            following = (0 if char == "/" else 1, *targets)
            if following in parents:
                continue
            parents[following] = (current, char)
            if following[0] == 1 and all(m.accepting[s] == w for m, s, w in zip(machines, targets, wanted)):
                return _spell(parents, following, first)
            queue.append(following)
    return None


def _spell(parents: _Parents, last: tuple[int, ...], first: tuple[int, ...]) -> str:
    chars: list[str] = []
    while last != first:
        last, char = parents[last]
        chars.append(char)
    return "".join(reversed(chars))
