"""Shortest witness paths: a best-first (A*) search over the product of glob automata.

A question is: the shortest valid path that every `positive` NFA accepts and the `negative` DFA
does not, or None. The positives stay NFAs: a product node holds one state of each, so a
product of two globs has at most (states of one) x (states of the other) nodes, times the few
states of the path automaton below. The negative side (exclusions, the union a glob must lie
inside) is a `LazyDfa` of a union, whose subsets the search builds only as it reaches them; a
node whose subset contains another's, reached no sooner, is skipped (`_Search._subsumed`).

Valid paths are tracked by a small automaton of their own: non-empty segments joined by `/`,
and no segment `.` or `..` (those name no file). Its states: at a segment's start, after `.`,
after `..`, inside a name (the only place a path may end).

Witnesses should read like files a person writes, so the search runs in tiers (`witness`):
first only plain characters (letters, digits, `-`, `_`, and `/`), then no segment starting with
`.` (no hidden names), then any valid path. Each tier takes nodes in order of (length so far
plus the fewest characters the positives still need, spelling in `char_rank` order): its first
goal is its shortest path and, among equals, the most readable. The estimate keeps the search
on the paths that can still finish in time: a `*` followed by twenty `?` is not unrolled.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from heapq import heappop, heappush
from typing import TypeAlias

from rallyc.automata import EVERYTHING, MAX_CODE, SLASH, UNREACHABLE, Budget, CharSet, LazyDfa, Nfa, TooComplex, char_set, intersect

_START, _DOT, _DOTDOT, _NAME = range(4)
"""Path automaton states; a path ends only in `_NAME`."""

PLAIN, VISIBLE, ANY = range(3)
"""Tiers: plain characters only; no hidden (dot) names; any valid path."""

_PLAIN_CHARS = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_-"
_RANK = {char: rank for rank, char in enumerate(_PLAIN_CHARS + ".")}
_PLAIN_SET = char_set((ord(char), ord(char)) for char in _PLAIN_CHARS + "/")
_DOT_CODE = ord(".")


def char_rank(char: str) -> int:
    """Witness order: lower-case letters, digits, upper case, `_-.`, then by code point."""
    return _RANK.get(char, len(_RANK) + ord(char))


_ANTICHAIN = 8
"""Subsets kept per node for `_Search._subsumed`: checking fewer prunes less, never wrongly, and an
antichain of incomparable subsets would otherwise cost a scan per node that grows with the search."""

_Node: TypeAlias = tuple[int, ...]
"""(path state, negative DFA state, one state per positive NFA)."""
_Parents: TypeAlias = dict[_Node, tuple[_Node, str]]
_Rank: TypeAlias = tuple[int, str]
"""How a node was reached: (length, spelling in `char_rank` order); smaller is better."""


def witness(positives: Sequence[Nfa], negative: LazyDfa | None, budget: Budget, *, readable: bool = True) -> str | None:
    """The preferred path (module docstring) every positive accepts and `negative` does not, or None.

    The permissive tier runs first: when it finds nothing there is nothing, and when its answer
    is already plain no other tier can do better. The other tiers share what is left of the
    budget; running out there keeps the answer found. Without `readable` the first path found
    is the answer: enough for a caller that only asks whether there is one.
    """
    found = _Search(positives, negative, budget, ANY).run()
    if found is None or _tier_of(found) == PLAIN or not readable:
        return found
    for tier in (PLAIN, VISIBLE) if _tier_of(found) == ANY else (PLAIN,):
        try:
            better = _Search(positives, negative, budget, tier).run()
        except TooComplex:  # the question is answered; only a more readable witness ran out of steps
            return found
        if better is not None:
            return better
    return found


def preference(path: str) -> tuple[int, int, str]:
    """The order `witness` prefers paths in: plain first, then no hidden names; shorter; by `char_rank`."""
    return _tier_of(path), len(path), "".join(map(_key, path))


def _tier_of(path: str) -> int:
    if all(char in _RANK and char != "." or char == "/" for char in path):
        return PLAIN
    return ANY if any(segment.startswith(".") for segment in path.split("/")) else VISIBLE


class _Search:
    def __init__(self, positives: Sequence[Nfa], negative: LazyDfa | None, budget: Budget, tier: int) -> None:
        self.positives = positives
        self.negative = negative
        self.budget = budget
        self.tier = tier
        self.antichains: dict[_Node, list[tuple[frozenset[int], _Rank]]] = {}

    def run(self) -> str | None:
        """A* from the start, in (length so far + `_estimate`, spelling) order.

        The estimate never overstates what a node still needs and drops by at most one per
        character, so the first goal taken from the heap is a shortest path and, among those,
        the first in `char_rank` order; states that cannot reach a goal in time are never taken.
        """
        first: _Node = (_START, self.negative.start if self.negative else 0, *(nfa.start for nfa in self.positives))
        estimate = self._estimate(first)
        if estimate is None:
            return None
        heap: list[tuple[int, str, _Node]] = [(estimate, "", first)]
        best: dict[_Node, _Rank] = {first: (0, "")}
        parents: _Parents = {first: (first, "")}
        closed: set[_Node] = set()
        while heap:
            _, spelling, node = heappop(heap)
            if node in closed:
                continue
            closed.add(node)
            if self._goal(node):
                return _spell(parents, node, first)
            for char, following in self._letters(node):
                known = (len(spelling) + 1, spelling + _key(char))
                estimate = self._estimate(following) if following not in closed else None
                if estimate is None or best.get(following, known) < known or self._subsumed(following, known):
                    continue
                best[following], parents[following] = known, (node, char)
                heappush(heap, (known[0] + estimate, known[1], following))
        return None

    def _subsumed(self, node: _Node, known: _Rank) -> bool:
        """Whether a node that differs only by a smaller negative subset was reached no later.

        The negative side is a union: a smaller subset rejects every path a larger one rejects
        (and steps to smaller subsets), so whatever `node` could still spell, that node spells as
        well and no later (antichains, De Wulf et al. 2006). Only minimal subsets are kept.
        """
        if self.negative is None:
            return False
        subset = self.negative.subsets[node[1]]
        chain = self.antichains.setdefault((node[0], *node[2:]), [])
        self.budget.spend(len(chain))
        if any(kept <= subset and rank <= known for kept, rank in chain):
            return True
        chain[:] = [(kept, rank) for kept, rank in chain if not (subset <= kept and known <= rank)]
        if len(chain) < _ANTICHAIN:
            chain.append((subset, known))
        return False

    def _estimate(self, node: _Node) -> int | None:
        """Characters the node still needs at least (None: it can never reach a goal in this tier)."""
        alphabet = _PLAIN_SET if self.tier == PLAIN else EVERYTHING
        needed = max((nfa.distance(state, alphabet) for nfa, state in zip(self.positives, node[2:])), default=0)
        if needed >= UNREACHABLE:
            return None
        return needed if node[0] == _NAME else max(needed, 1)

    def _goal(self, node: _Node) -> bool:
        if node[0] != _NAME or (self.negative is not None and self.negative.accepting[node[1]]):
            return False
        return all(nfa.distance(state, EVERYTHING) == 0 for nfa, state in zip(self.positives, node[2:]))

    def _letters(self, node: _Node) -> list[tuple[str, _Node]]:
        """The moves out of a product node as (witness char, next node), most readable char first."""
        combos: list[tuple[CharSet, tuple[int, ...]]] = [(EVERYTHING, ())]
        cost = 1
        for nfa, state in zip(self.positives, node[2:]):
            moves = nfa.flat_moves(state)
            cost += len(moves)
            combos = [
                (common, (*targets, target))
                for charset, targets in combos
                for move_set, target in moves
                if (common := intersect(charset, move_set))
            ]
        letters: list[tuple[str, _Node]] = []
        for charset, targets in combos:
            for low, high, dfa_state in self._negative_split(node[1], charset):
                letters.extend(self._spelled(node[0], low, high, dfa_state, targets))
        self.budget.spend(cost + len(letters))
        if self.negative is not None:
            self.budget.spend_once(node[1], self._row_work(node[1]))
        letters.sort(key=_rank_of)
        return letters

    def _negative_split(self, state: int, charset: CharSet) -> list[tuple[int, int, int]]:
        if self.negative is None:
            return [(low, high, 0) for low, high in charset]
        row = self.negative.row(state)
        return [
            (low, high, target)
            for r_low, r_high, target in row
            for low, high in intersect(charset, ((r_low, r_high),))
        ]

    def _row_work(self, state: int) -> int:
        """What building the row of a negative state costs: a pass over its subset's moves."""
        assert self.negative is not None
        return sum(len(self.negative.nfa.moves[source]) for source in self.negative.subsets[state])

    def _spelled(self, path: int, low: int, high: int, dfa_state: int, targets: tuple[int, ...]) -> list[tuple[str, _Node]]:
        """The letters of one interval: `/`, `.` and the best other character each step the path
        automaton differently; any other character in the interval would lead to the same node."""
        found = []
        if low <= SLASH <= high and path == _NAME:
            found.append(("/", (_START, dfa_state, *targets)))
        if low <= _DOT_CODE <= high and self.tier != PLAIN and not (path == _START and self.tier == VISIBLE):
            found.append((".", (_after_dot(path), dfa_state, *targets)))
        other = _best_char(low, high, self.tier == PLAIN)
        if other is not None:
            found.append((other, (_NAME, dfa_state, *targets)))
        return found


def _after_dot(path: int) -> int:
    return {_START: _DOT, _DOT: _DOTDOT}.get(path, _NAME)


def _rank_of(letter: tuple[str, _Node]) -> int:
    return char_rank(letter[0])


def _key(char: str) -> str:
    """`char` as one character of a spelling that sorts in `char_rank` order (plain `<` on strings)."""
    return chr(min(char_rank(char), MAX_CODE))


@lru_cache(maxsize=4096)
def _best_char(low: int, high: int, plain: bool) -> str | None:
    """The most readable character of `low..high` other than `/` and `.` (only plain ones when `plain`)."""
    for char in _PLAIN_CHARS:
        if low <= ord(char) <= high:
            return char
    if plain:
        return None
    for start in (0x21, 0xA1, 0):  # printable ASCII, then printable Latin-1 on, then anything
        code = max(low, start)
        while code <= high and code in (SLASH, _DOT_CODE):
            code += 1
        if code <= high:
            return chr(code)
    return None


def _spell(parents: _Parents, last: _Node, first: _Node) -> str:
    chars: list[str] = []
    while last != first:
        last, char = parents[last]
        chars.append(char)
    return "".join(reversed(chars))
