"""Property tests: the glob algebra against brute force over every short path.

Globs are generated as token lists over a small alphabet; each token carries
its meaning as a hand-written regex, so the reference matcher never sees
`parse_glob`'s tree and checks the parser as well as the algebra. Paths are
all valid paths over {a, b, _, ., /} up to `BOUND` characters (no segment `.`
or `..`: those name no file), `_` standing for "any other character" (the
globs only name it through a class of punctuation). A glob list may carry exclusions:
it then matches what its plain glob matches minus what they match.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rallyc.globparse import parse_glob, with_exclusions
from rallyc.globs import GlobSet, inside, is_valid_path, match, overlap, overlap_candidates, owner_index
from rallyc.syntax import Glob, PatternError
from rallyc.witness import preference

BOUND = 5
ALPHABET = "ab_./"
UNIVERSE = tuple(
    path
    for length in range(1, BOUND + 1)
    for path in map("".join, itertools.product(ALPHABET, repeat=length))
    if is_valid_path(path)
)

SEGMENT = "[^/]+"
ANY_DIRS = f"(?:{SEGMENT}/)*"
ANY_PATH = f"{SEGMENT}(?:/{SEGMENT})*"

# token text -> reference regex, by hand from docs/language.md and git's classes (not from rallyc's tree)
ATOMS = {
    "a": "a",
    "b": "b",
    ".": "\\.",
    "*": "[^/]*",
    "?": "[^/]",
    "[ab]": "[ab]",
    "[!a]": "[^a/]",
    "[^a]": "[^a/]",  # git's other negation
    "[!.]": "[^./]",
    "[]a]": "[\\]a]",  # `]` first is a member
    "[a-b]": "[ab]",
    "[[:alpha:]]": "[A-Za-z]",
    "[[:punct:].]": "[!-.:-@\\[-`{-~]",  # `/` is punctuation too, but no class matches it
    "\\a": "a",
    "{a,b/a}": "(?:a|b/a)",
    "{,a}": "(?:|a)",
    "{a,{b,*}}": "(?:a|(?:b|[^/]*))",
    "{a/**,b}": f"(?:a/{ANY_PATH}|b)",
    "{**/a,b}": f"(?:{ANY_DIRS}a|b)",
    "{a,/b}": "(?:a|/b)",
    "{.a/b,b.}": "(?:\\.a/b|b\\.)",  # braces holding `/` and dots
}


@dataclass(frozen=True)
class Case:
    """A generated glob: its text, the parsed glob and the reference regex."""

    text: str
    reference: str

    @property
    def glob(self) -> Glob:
        return _parse(self.text)


@lru_cache(maxsize=None)
def _parse(text: str) -> Glob:
    return parse_glob(text)


# brace expansion: before a `/`, `{a/**,b}/x` is `a/**/x` or `b/x`, so its `**` may be zero segments
SLASH_TAKEN = {"{a/**,b}": f"(?:a/{ANY_DIRS}|b/)"}


def _reference(segments: list[list[str]], trailing_slash: bool) -> str:
    parts = []
    for index, segment in enumerate(segments):
        slash_follows = index < len(segments) - 1 or trailing_slash
        if segment == ["**"]:
            parts.append(ANY_DIRS if slash_follows else ANY_PATH)
        elif slash_follows and segment[-1] in SLASH_TAKEN:
            parts.append("".join(ATOMS[atom] for atom in segment[:-1]) + SLASH_TAKEN[segment[-1]])
        else:
            parts.append("".join(ATOMS[atom] for atom in segment) + ("/" if slash_follows else ""))
    return "".join(parts) + (ANY_PATH if trailing_slash else "")


def _no_double_star(atoms: list[str]) -> bool:
    """Two `*` atoms side by side would spell `**`, a different token."""
    return all(not (left == right == "*") for left, right in zip(atoms, atoms[1:]))


_SEGMENT = st.one_of(
    st.just(["**"]),
    st.lists(st.sampled_from(sorted(ATOMS)), min_size=1, max_size=3).filter(_no_double_star),
)


@st.composite
def cases(draw: st.DrawFn) -> Case:
    segments = draw(st.lists(_SEGMENT, min_size=1, max_size=3))
    assume(segments[0] != ["."])  # a leading `./` is dropped, not a `.` segment
    trailing_slash = draw(st.booleans())
    text = "/".join("".join(atoms) for atoms in segments) + ("/" if trailing_slash else "")
    if draw(st.booleans()) and not text.startswith("/"):
        text = "./" + text
    try:
        _parse(text)
    except PatternError:
        assume(False)
    return Case(text, _reference(segments, trailing_slash))


@dataclass(frozen=True)
class Listed:
    """A plain glob of a list and the list's exclusions."""

    plain: Case
    excluded: tuple[Case, ...]

    @property
    def glob(self) -> Glob:
        return with_exclusions([self.plain.glob], [case.glob for case in self.excluded])[0]


def lists(max_excluded: int = 2) -> st.SearchStrategy[Listed]:
    return st.builds(Listed, cases(), st.lists(cases(), max_size=max_excluded).map(tuple))


@lru_cache(maxsize=None)
def _compiled(reference: str) -> re.Pattern[str]:
    return re.compile(reference)


def reference_match(item: Case | Listed, path: str) -> bool:
    if isinstance(item, Listed):
        return reference_match(item.plain, path) and not any(reference_match(case, path) for case in item.excluded)
    return is_valid_path(path) and _compiled(item.reference).fullmatch(path) is not None


@lru_cache(maxsize=None)
def _brute(reference: str) -> frozenset[str]:
    pattern = _compiled(reference)
    return frozenset(path for path in UNIVERSE if pattern.fullmatch(path))


def brute(item: Case | Listed) -> frozenset[str]:
    if isinstance(item, Listed):
        return brute(item.plain).difference(*(brute(case) for case in item.excluded))
    return _brute(item.reference)


def check_witness(witness: str, candidates: frozenset[str]) -> None:
    """A real path, and the preferred one (`preference`: plain, then no hidden names; shortest; by
    character). Exactly the best candidate when it spells like them; a character the alphabet lacks
    (the engine may pick `c` or `0` where the universe has only `_`) must still not lose on kind or length."""
    assert is_valid_path(witness)
    best = min(candidates, key=preference, default=None)
    if best is None:
        return
    if set(witness) <= set(ALPHABET) and len(witness) <= BOUND:
        assert witness == best
    else:
        assert preference(witness)[:2] <= preference(best)[:2]


@settings(max_examples=2000, deadline=None)
@given(lists(), lists())
def test_overlap_agrees_with_brute_force(a: Listed, b: Listed) -> None:
    common = brute(a) & brute(b)
    witness = overlap(a.glob, b.glob)
    if common:
        assert witness is not None, f"missed {min(common, key=len)!r}"
    if witness is None:
        return
    check_witness(witness, common)
    assert reference_match(a, witness) and reference_match(b, witness)
    assert match(a.glob, witness) and match(b.glob, witness)
    assert overlap(b.glob, a.glob) == witness


@settings(max_examples=2000, deadline=None)
@given(lists(), st.lists(cases(), max_size=3), st.lists(cases(), max_size=2))
def test_inside_agrees_with_brute_force(a: Listed, covers: list[Case], removed: list[Case]) -> None:
    """`a` inside a list of `covers` minus the list's exclusions `removed`."""
    covered = frozenset().union(*(brute(cover) for cover in covers)).difference(*(brute(case) for case in removed))
    outside = brute(a) - covered
    listed = with_exclusions([cover.glob for cover in covers], [case.glob for case in removed])
    witness = inside(a.glob, listed)
    if outside:
        assert witness is not None, f"missed {min(outside, key=len)!r}"
    if witness is None:
        return
    check_witness(witness, outside)
    assert reference_match(a, witness) and match(a.glob, witness)
    for glob, cover in zip(listed, covers):
        assert not match(glob, witness)
        assert not reference_match(cover, witness) or any(reference_match(case, witness) for case in removed)


paths = st.text(alphabet="ab_./é", max_size=7)


@settings(max_examples=1000, deadline=None)
@given(lists(), st.lists(paths, max_size=10))
def test_match_agrees_with_reference(item: Listed, extra: list[str]) -> None:
    matched = brute(item)
    for path in UNIVERSE:
        assert match(item.glob, path) is (path in matched), path
    for path in extra:
        assert match(item.glob, path) is reference_match(item, path), path


@settings(max_examples=400, deadline=None)
@given(st.lists(lists(max_excluded=1), max_size=4), st.lists(paths, max_size=10))
def test_globset_agrees_with_match(items: list[Listed], extra: list[str]) -> None:
    matcher = GlobSet([item.glob for item in items])
    for path in UNIVERSE + tuple(extra):
        assert matcher.matches(path) is any(match(item.glob, path) for item in items), path


@settings(max_examples=300, deadline=None)
@given(st.lists(lists(max_excluded=1), min_size=1, max_size=4), st.lists(lists(max_excluded=1), min_size=1, max_size=4))
def test_prefilter_and_owner_index_are_sound(left: list[Listed], right: list[Listed]) -> None:
    candidates = set(overlap_candidates([item.glob for item in left], [item.glob for item in right]))
    for (i, a), (j, b) in itertools.product(enumerate(left), enumerate(right)):
        if brute(a) & brute(b):
            assert (i, j) in candidates
    owners = owner_index({"left": [item.glob for item in left], "right": [item.glob for item in right]})
    owned = {"left": frozenset().union(*map(brute, left)), "right": frozenset().union(*map(brute, right))}
    for path in UNIVERSE:
        assert owners(path) == [name for name, paths in owned.items() if path in paths], path
