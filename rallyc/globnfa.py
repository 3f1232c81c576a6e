"""A glob's automaton, built once per glob text, and matching one path against it (`PathMatcher`).

`**/` is `([^/]+/)*`, a final `**` is `[^/]+(/[^/]+)*`, `*` loops on every character but `/`,
`?` and classes step on one character (never `/`), braces are alternatives (Thompson's
construction; recursion as deep as the braces nest, which the parser bounds). A valid path is
non-empty segments joined by `/`, none of them `.` or `..`: other texts are never matched.
"""

from __future__ import annotations

from collections.abc import Sequence

from rallyc.automata import NOT_SLASH, SLASH_SET, CharSet, Nfa, NfaBuilder, char_set, complement, contains, without_slash
from rallyc.syntax import AnyChar, AnyDirs, AnyRun, CharClass, Choice, Glob, GlobNode, Literal

_NFAS: dict[str, Nfa] = {}
_MATCHERS: dict[str, PathMatcher] = {}


def is_valid_path(path: str) -> bool:
    """Non-empty segments joined by `/`, none of them `.` or `..` (no file has those names)."""
    if not path or path[0] == "/" or path[-1] == "/" or "//" in path:
        return False
    if path[0] != "." and "/." not in path:  # no segment starts with a dot
        return True
    return all(segment not in (".", "..") for segment in path.split("/"))


def glob_nfa(glob: Glob) -> Nfa:
    """The NFA of the glob's own pattern (its exclusions apart), built once per text."""
    found = _NFAS.get(glob.text)
    if found is None:
        builder = NfaBuilder()
        start = builder.state()
        found = _NFAS[glob.text] = builder.build(start, _sequence(builder, glob.nodes, start))
    return found


def match(glob: Glob, path: str) -> bool:
    """Whether `glob` (minus its exclusions) matches `path`; texts that are no valid path never match."""
    if not is_valid_path(path) or not matcher(glob).accepts(path):
        return False
    return not any(matcher(excluded).accepts(path) for excluded in glob.excluded)


def clear_nfas() -> None:
    _NFAS.clear()
    _MATCHERS.clear()


def matcher(glob: Glob) -> PathMatcher:
    """The path matcher of the glob's own pattern (its exclusions apart), built once per text."""
    found = _MATCHERS.get(glob.text)
    if found is None:
        found = _MATCHERS[glob.text] = PathMatcher(glob_nfa(glob))
    return found


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
        return _one_char(builder, at, class_set(node) if isinstance(node, CharClass) else NOT_SLASH)
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


def class_set(node: CharClass) -> CharSet:
    """The code points a class matches (never `/`)."""
    chosen = char_set((ord(low), ord(high)) for low, high in node.ranges)
    return without_slash(complement(chosen) if node.negated else chosen)


# ---- matching one path -------------------------------------------------------------


class PathMatcher:
    """Whether an NFA accepts a text: a DFA over the characters actually seen, built as they come.

    Each new (state, character) costs one pass over the subset; the cache is dropped when it
    holds CACHE_STATES subsets, so memory stays bounded and time stays linear in the text times
    the NFA, whatever the glob (a backtracking matcher can take exponential time).
    """

    CACHE_STATES = 2048

    __slots__ = ("nfa", "_start", "_ids", "_subsets", "_rows", "_accepting")

    def __init__(self, nfa: Nfa) -> None:
        self.nfa = nfa
        self._start = nfa.closure(nfa.start)
        self._flush()

    def _flush(self) -> None:
        self._ids: dict[frozenset[int], int] = {}
        self._subsets: list[frozenset[int]] = []
        self._rows: list[dict[str, int]] = []
        self._accepting: list[bool] = []
        self._intern(self._start)

    def after(self, prefix: str) -> frozenset[int] | None:
        """The NFA states `prefix` leads to (None: nothing is accepted after it), to resume from.

        Stepped on the NFA itself: a prefix is walked once, so its states are not worth a DFA row.
        """
        states = self._start
        for char in prefix:
            states = self._reach(states, ord(char))
            if not states:
                return None
        return states

    def _reach(self, subset: frozenset[int], code: int) -> frozenset[int]:
        reached: set[int] = set()
        for source in subset:
            for charset, target in self.nfa.moves[source]:
                if contains(charset, code):
                    reached |= self.nfa.closure(target)
        return frozenset(reached)

    def accepts(self, text: str, resume: tuple[int, frozenset[int]] | None = None) -> bool:
        """Whether the NFA accepts `text`; `resume` (index, states from `after`) skips a known prefix."""
        state, rows = 0, self._rows
        if resume is not None:
            state, text = self._intern(resume[1]), text[resume[0] :]
        for char in text:
            target = rows[state].get(char)
            if target is None:
                target = self._step(state, char)
                if target < 0:
                    return False
                rows = self._rows  # a flush replaced them
            elif target < 0:
                return False
            state = target
        return self._accepting[state]

    def _step(self, state: int, char: str) -> int:
        reached = self._reach(self._subsets[state], ord(char))
        if not reached:
            self._rows[state][char] = -1
            return -1
        if len(self._subsets) >= self.CACHE_STATES:
            self._flush()
            return self._intern(reached)
        target = self._rows[state][char] = self._intern(reached)
        return target

    def _intern(self, subset: frozenset[int]) -> int:
        found = self._ids.get(subset)
        if found is None:
            found = self._ids[subset] = len(self._subsets)
            self._subsets.append(subset)
            self._rows.append({})
            self._accepting.append(self.nfa.accepts_in(subset))
        return found
