"""Property tests: the glob algebra against brute force over every short path.

Globs are generated as token lists over a small alphabet; each token carries
its meaning as a hand-written regex, so the reference matcher never sees
`parse_glob`'s tree and checks the parser as well as the algebra. Paths are
all valid paths over {a, b, c, /} up to `BOUND` characters, `c` standing for
"any other character" (the globs only ever name `a` and `b`).
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from functools import lru_cache

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from rallyc.globs import GlobSet, inside, is_valid_path, match, overlap, overlap_candidates, owner_index
from rallyc.globparse import parse_glob
from rallyc.syntax import Glob, PatternError

BOUND = 5
ALPHABET = "abc/"
UNIVERSE = tuple(
    path
    for length in range(1, BOUND + 1)
    for path in map("".join, itertools.product(ALPHABET, repeat=length))
    if is_valid_path(path)
)

SEGMENT = "[^/]+"
ANY_DIRS = f"(?:{SEGMENT}/)*"
ANY_PATH = f"{SEGMENT}(?:/{SEGMENT})*"

# token text -> reference regex, by hand from LANGUAGE.md (not from rallyc's tree)
ATOMS = {
    "a": "a",
    "b": "b",
    "*": "[^/]*",
    "?": "[^/]",
    "[ab]": "[ab]",
    "[!a]": "[^a/]",
    "[a-b]": "[ab]",
    "\\a": "a",
    "{a,b/a}": "(?:a|b/a)",
    "{,a}": "(?:|a)",
    "{a,{b,*}}": "(?:a|(?:b|[^/]*))",
    "{a/**,b}": f"(?:a/{ANY_PATH}|b)",
    "{**/a,b}": f"(?:{ANY_DIRS}a|b)",
    "{a,/b}": "(?:a|/b)",
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
    trailing_slash = draw(st.booleans())
    text = "/".join("".join(atoms) for atoms in segments) + ("/" if trailing_slash else "")
    if draw(st.booleans()) and not text.startswith("/"):
        text = "./" + text
    try:
        _parse(text)
    except PatternError:
        assume(False)
    return Case(text, _reference(segments, trailing_slash))


@lru_cache(maxsize=None)
def _compiled(reference: str) -> re.Pattern[str]:
    return re.compile(reference)


def reference_match(case: Case, path: str) -> bool:
    return is_valid_path(path) and _compiled(case.reference).fullmatch(path) is not None


@lru_cache(maxsize=None)
def _brute(reference: str) -> frozenset[str]:
    pattern = _compiled(reference)
    return frozenset(path for path in UNIVERSE if pattern.fullmatch(path))


def brute(case: Case) -> frozenset[str]:
    return _brute(case.reference)


def check_witness_form(witness: str) -> None:
    assert is_valid_path(witness)
    assert set(witness) <= set(ALPHABET), "witnesses use readable letters first"


@settings(max_examples=3000, deadline=None)
@given(cases(), cases())
def test_overlap_agrees_with_brute_force(a: Case, b: Case) -> None:
    common = brute(a) & brute(b)
    witness = overlap(a.glob, b.glob)
    if common:
        assert witness is not None, f"missed {min(common, key=len)!r}"
        assert len(witness) == min(map(len, common)), "not the shortest"
    if witness is None:
        return
    check_witness_form(witness)
    assert reference_match(a, witness) and reference_match(b, witness)
    assert match(a.glob, witness) and match(b.glob, witness)
    if len(witness) <= BOUND:
        assert witness in common
    assert overlap(b.glob, a.glob) == witness


@settings(max_examples=3000, deadline=None)
@given(cases(), st.lists(cases(), max_size=3))
def test_inside_agrees_with_brute_force(a: Case, covers: list[Case]) -> None:
    outside = brute(a).difference(*(brute(cover) for cover in covers))
    witness = inside(a.glob, [cover.glob for cover in covers])
    if outside:
        assert witness is not None, f"missed {min(outside, key=len)!r}"
        assert len(witness) == min(map(len, outside)), "not the shortest"
    if witness is None:
        return
    check_witness_form(witness)
    assert reference_match(a, witness) and match(a.glob, witness)
    for cover in covers:
        assert not reference_match(cover, witness) and not match(cover.glob, witness)
    if len(witness) <= BOUND:
        assert witness in outside


paths = st.text(alphabet="abc/é", max_size=7)


@settings(max_examples=3000, deadline=None)
@given(cases(), st.lists(paths, max_size=10))
def test_match_agrees_with_reference(case: Case, extra: list[str]) -> None:
    matched = brute(case)
    for path in UNIVERSE:
        assert match(case.glob, path) is (path in matched), path
    for path in extra:
        assert match(case.glob, path) is reference_match(case, path), path


@settings(max_examples=1000, deadline=None)
@given(st.lists(cases(), max_size=4), st.lists(paths, max_size=10))
def test_globset_agrees_with_match(globs: list[Case], extra: list[str]) -> None:
    matcher = GlobSet([case.glob for case in globs])
    for path in UNIVERSE + tuple(extra):
        assert matcher.matches(path) is any(match(case.glob, path) for case in globs), path


@settings(max_examples=300, deadline=None)
@given(st.lists(cases(), min_size=1, max_size=4), st.lists(cases(), min_size=1, max_size=4))
def test_prefilter_and_owner_index_are_sound(left: list[Case], right: list[Case]) -> None:
    candidates = set(overlap_candidates([c.glob for c in left], [c.glob for c in right]))
    for (i, a), (j, b) in itertools.product(enumerate(left), enumerate(right)):
        if brute(a) & brute(b):
            assert (i, j) in candidates
    owners = owner_index({"left": [c.glob for c in left], "right": [c.glob for c in right]})
    for path in UNIVERSE:
        expected = [name for name, side in (("left", left), ("right", right)) if any(path in brute(c) for c in side)]
        assert owners(path) == expected, path
