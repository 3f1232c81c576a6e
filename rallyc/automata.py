"""Finite automata over path characters: the machinery under `rallyc.globs`.

Characters are handled symbolically: every move carries a `CharSet` (code-point ranges), so a
glob costs a handful of moves whatever the paths hold (emoji, surrogate-escaped bytes).

A glob becomes a Thompson NFA (`NfaBuilder`). Questions about two globs walk the *product of
their NFAs* (`rallyc.witness`), which has at most one node per pair of states: polynomial, never
a subset construction. Only the side that must *reject* a path (an exclusion, the union a glob
must lie inside) needs a deterministic automaton: `LazyDfa` builds its subsets on demand, one
row per subset the search reaches. Matching a path steps a `rallyc.globnfa.PathMatcher`, a DFA
built on the path's own characters whose cache is flushed when it grows: linear in the path
whatever the glob.

No question may run unbounded: a `Budget` counts the steps of one question (product nodes and the
NFA moves and subset states each one touches, never wall time, so an answer never depends on how
busy the machine is) and raises `TooComplex` past `STEP_BUDGET`.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from typing import TypeAlias

CharSet: TypeAlias = tuple[tuple[int, int], ...]
"""Sorted, disjoint, inclusive code-point ranges."""

MAX_CODE = 0x10FFFF
SLASH = ord("/")
SLASH_SET: CharSet = ((SLASH, SLASH),)
NOT_SLASH: CharSet = ((0, SLASH - 1), (SLASH + 1, MAX_CODE))
DEAD = 0
UNREACHABLE = 1 << 30
"""The distance of a state from which nothing is accepted."""
"""Every `LazyDfa` numbers the empty subset 0: nothing can be accepted from it."""

STEP_BUDGET = 100_000
"""Steps one question may take: about 200 ms here (bench/README.md, "Pathological globs"); past it
the question is `TooComplex` and lint says so (RY004) instead of hanging."""


class TooComplex(Exception):
    """A question needed more than STEP_BUDGET steps; it has no answer, and callers report that."""

    def __init__(self, steps: int) -> None:
        super().__init__(f"more than {steps:,} automaton steps")
        self.steps = steps


class Budget:
    """The steps left to one question."""

    __slots__ = ("left", "limit", "_paid")

    def __init__(self, limit: int = STEP_BUDGET) -> None:
        self.left = self.limit = limit
        self._paid: set[object] = set()

    def spend(self, steps: int) -> None:
        self.left -= steps
        if self.left < 0:
            raise TooComplex(self.limit)

    def spend_once(self, work: object, steps: int) -> None:
        """Spend for a piece of work the first time this question needs it (a DFA row is built
        once, however often the search comes back to it, and whether or not an earlier question
        already built it: the count stays the question's own)."""
        if work not in self._paid:
            self._paid.add(work)
            self.spend(steps)


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


EVERYTHING: CharSet = ((0, MAX_CODE),)


def intersect(one: CharSet, other: CharSet) -> CharSet:
    """The code points in both (both sorted: one merge pass)."""
    if one == EVERYTHING or other == EVERYTHING:
        return other if one == EVERYTHING else one
    found: list[tuple[int, int]] = []
    i = j = 0
    while i < len(one) and j < len(other):
        low, high = max(one[i][0], other[j][0]), min(one[i][1], other[j][1])
        if low <= high:
            found.append((low, high))
        if one[i][1] < other[j][1]:
            i += 1
        else:
            j += 1
    return tuple(found)


def contains(charset: CharSet, code: int) -> bool:
    for low, high in charset:  # sorted: stop at the first range past `code`
        if code <= high:
            return code >= low
    return False


# ---- NFA -------------------------------------------------------------------------


class Nfa:
    """A Thompson NFA; closures over empty moves are computed on first use and kept.

    """

    __slots__ = ("moves", "empty", "start", "accepting", "_closures", "_flat", "_distances")

    def __init__(
        self,
        moves: Sequence[Sequence[tuple[CharSet, int]]],
        empty: Sequence[Sequence[int]],
        start: int,
        accepting: frozenset[int],
    ) -> None:
        self.moves = moves
        self.empty = empty
        self.start = start
        self.accepting = accepting
        self._closures: dict[int, frozenset[int]] = {}
        self._flat: dict[int, tuple[tuple[CharSet, int], ...]] = {}
        self._distances: dict[CharSet, list[int]] = {}

    def __len__(self) -> int:
        return len(self.moves)

    def closure(self, state: int) -> frozenset[int]:
        """`state` and every state its empty moves reach."""
        found = self._closures.get(state)
        if found is None and not self.empty[state]:  # most states: a character's, with no empty move
            found = self._closures[state] = frozenset((state,))
        elif found is None:
            seen, stack = {state}, [state]
            while stack:
                for target in self.empty[stack.pop()]:
                    if target not in seen:
                        seen.add(target)
                        stack.append(target)
            found = self._closures[state] = frozenset(seen)
        return found

    def flat_moves(self, state: int) -> tuple[tuple[CharSet, int], ...]:
        """The character moves out of `state`'s closure: what `state` does without empty moves."""
        found = self._flat.get(state)
        if found is None:
            found = self._flat[state] = tuple(move for inner in self.closure(state) for move in self.moves[inner])
        return found

    def distance(self, state: int, alphabet: CharSet = EVERYTHING) -> int:
        """Fewest characters of `alphabet` from `state` to acceptance (UNREACHABLE when none will do).

        A lower bound on what any path through `state` still needs, so a search can skip a state
        that cannot finish within the length it looks for. One backward pass per alphabet.
        """
        found = self._distances.get(alphabet)
        if found is None:
            found = self._distances[alphabet] = self._backward_distances(alphabet)
        return found[state]

    def _backward_distances(self, alphabet: CharSet) -> list[int]:
        """0-1 breadth first from the accepting states along reversed moves (empty moves cost 0)."""
        into: list[list[tuple[int, int]]] = [[] for _ in self.moves]
        for source, row in enumerate(self.moves):
            for charset, target in row:
                if intersect(charset, alphabet):
                    into[target].append((source, 1))
        for source, targets in enumerate(self.empty):
            for target in targets:
                into[target].append((source, 0))
        distances = [UNREACHABLE] * len(self.moves)
        queue: deque[int] = deque()
        for state in self.accepting:
            distances[state] = 0
            queue.append(state)
        while queue:
            state = queue.popleft()
            for source, cost in into[state]:
                if distances[state] + cost < distances[source]:
                    distances[source] = distances[state] + cost
                    queue.appendleft(source) if cost == 0 else queue.append(source)
        return distances

    def accepts_in(self, states: frozenset[int]) -> bool:
        """Whether an accepting state is among `states` (closed sets: no closure taken)."""
        return not self.accepting.isdisjoint(states)


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
        return Nfa(self._moves, self._empty, start, frozenset((accept,)))


def union(nfas: Sequence[Nfa]) -> Nfa:
    """One NFA accepting what any of `nfas` accepts.

    A new start state 0 has an empty move to each part's start (none: it accepts nothing).
    """
    moves: list[Sequence[tuple[CharSet, int]]] = [()]
    empty: list[Sequence[int]] = [()]
    starts: list[int] = []
    accepting: set[int] = set()
    for number, nfa in enumerate(nfas):
        offset = len(moves)
        moves.extend(tuple((charset, target + offset) for charset, target in row) for row in nfa.moves)
        empty.extend(tuple(target + offset for target in row) for row in nfa.empty)
        starts.append(nfa.start + offset)
        accepting.update(state + offset for state in nfa.accepting)
    empty[0] = tuple(starts)
    return Nfa(moves, empty, 0, frozenset(accepting))


# ---- lazy DFA (the side that must reject) ----------------------------------------------


Row: TypeAlias = tuple[tuple[int, int, int], ...]
"""Moves out of a DFA state: sorted `(low, high, target)` covering every code point."""


class LazyDfa:
    """Subset construction on demand over an NFA; `DEAD` (0) is the empty subset.

    `accepting[state]`: some NFA state of the subset accepts (one of the union's globs matches).
    """

    __slots__ = ("nfa", "start", "subsets", "accepting", "_ids", "_rows")

    def __init__(self, nfa: Nfa) -> None:
        self.nfa = nfa
        self.subsets: list[frozenset[int]] = []
        self.accepting: list[bool] = []
        self._ids: dict[frozenset[int], int] = {}
        self._rows: dict[int, Row] = {}
        self._intern(frozenset())
        self.start = self._intern(nfa.closure(nfa.start))

    def row(self, state: int) -> Row:
        """Moves out of `state`, neighbours with one target merged; built once per state."""
        found = self._rows.get(state)
        if found is None:
            found = self._rows[state] = self._build_row(state)
        return found

    def _build_row(self, state: int) -> Row:
        """Only the cuts of the moves leaving this subset matter: a literal position has one or two."""
        moves = [move for source in self.subsets[state] for move in self.nfa.moves[source]]
        cuts = sorted({0}.union(*((low, high + 1) for charset, _ in moves for low, high in charset)) - {MAX_CODE + 1})
        merged: list[tuple[int, int, int]] = []
        for low, following in zip(cuts, (*cuts[1:], MAX_CODE + 1)):
            target = self._intern(self._reach(moves, low))
            if merged and merged[-1][2] == target:
                merged[-1] = (merged[-1][0], following - 1, target)
            else:
                merged.append((low, following - 1, target))
        return tuple(merged)

    def _reach(self, moves: list[tuple[CharSet, int]], code: int) -> frozenset[int]:
        reached: set[int] = set()
        for charset, target in moves:
            if contains(charset, code):
                reached |= self.nfa.closure(target)
        return frozenset(reached)

    def _intern(self, subset: frozenset[int]) -> int:
        found = self._ids.get(subset)
        if found is None:
            found = self._ids[subset] = len(self.subsets)
            self.subsets.append(subset)
            self.accepting.append(self.nfa.accepts_in(subset))
        return found
