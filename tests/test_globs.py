"""Regression cases for the glob algebra (LANGUAGE.md: Globs, Overlap, Inside)."""

from __future__ import annotations

import pytest

from rallyc.globs import (
    GlobSet,
    inside,
    is_valid_path,
    literal_prefix,
    literal_suffix,
    match,
    may_overlap,
    overlap,
    overlap_candidates,
    overlapping_pairs,
    owner_index,
)
from rallyc.globparse import parse_glob
from rallyc.syntax import Glob


def g(text: str) -> Glob:
    return parse_glob(text)


def assert_common(witness: str | None, *texts: str) -> None:
    assert witness is not None
    assert is_valid_path(witness)
    for text in texts:
        assert match(g(text), witness), (witness, text)
        assert GlobSet([g(text)]).matches(witness), (witness, text)


# ---- overlap -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        ("src/**", "src/api/*.py", "src/api/a.py"),  # `*` may be empty, but a dot file is not what a person writes
        ("**/*.md", "docs/x.md", "docs/x.md"),
        ("a/{b,c}/*", "a/c/d", "a/c/d"),
        ("**", "docs/deep/file.txt", "docs/deep/file.txt"),
        ("**", "*", "a"),
        ("*", "*", "a"),
        ("src/*", "src/?", "src/a"),
        ("{a/{b,c},d}/e", "a/c/*", "a/c/e"),
        ("\\*", "?", "*"),
        ("docs/", "docs/**/*.md", "docs/a.md"),
        (".*", "*", ".a"),  # a hidden name when nothing else will do, never `.` itself
    ],
)
def test_overlap_finds_the_shortest_common_path(left: str, right: str, expected: str) -> None:
    witness = overlap(g(left), g(right))
    assert witness == expected
    assert_common(witness, left, right)
    assert overlap(g(right), g(left)) == witness  # symmetric and stable


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ("a/[!b]*", "a/bx"),
        ("src/*.py", "src/a/b.py"),
        ("src/**", "docs/**"),
        ("*.py", "*.md"),
        ("dir/**", "dir"),
        ("a/*/b", "a/b"),  # `*` would have to be empty: `a//b` is not a path
        ("a/?", "a/bc"),
        ("[ab]", "[!ab]"),
    ],
)
def test_overlap_none(left: str, right: str) -> None:
    assert overlap(g(left), g(right)) is None
    assert overlap(g(right), g(left)) is None


def test_overlap_witness_is_shortest_and_readable() -> None:
    assert overlap(g("**/x"), g("**/x")) == "x"
    assert overlap(g("?/?"), g("*/*")) == "a/a"
    assert overlap(g("[!a-z]"), g("?")) == "0"  # digits before punctuation and control chars
    assert overlap(g("[!a-z0-9A-Z]"), g("*")) == "_"  # a dot-name only when nothing else will do


def test_overlap_handles_unicode_symbolically() -> None:
    assert overlap(g("ü*"), g("*ß")) == "üß"
    assert overlap(g("[α-ω]/*"), g("?/😀")) == "α/😀"
    assert overlap(g("[!α-ω]"), g("β")) is None


# ---- match -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "path", "expected"),
    [
        ("dir/**", "dir", False),
        ("dir/**", "dir/a", True),
        ("dir/**", "dir/a/b", True),
        ("dir/", "dir/a/b", True),
        ("**/x.md", "x.md", True),
        ("**/x.md", "a/b/x.md", True),
        ("**/x.md", "ax.md", False),
        ("a/**/b", "a/b", True),
        ("a/**/b", "a/x/y/b", True),
        ("*", "a/b", False),
        ("?", "/", False),
        ("a?b", "a/b", False),
        ("a[\\/]b", "a/b", False),  # a class never holds `/`, even spelled `[\\/]` or a range over it
        ("a[.-0]b", "a/b", False),
        ("a[.-0]b", "a.b", True),
        ("a[!x]b", "a/b", False),
        ("a/*/b", "a//b", False),
        ("{a/{b,c},d}/e", "a/b/e", True),
        ("{a/{b,c},d}/e", "a/c/e", True),
        ("{a/{b,c},d}/e", "d/e", True),
        ("{a/{b,c},d}/e", "a/e", False),
        ("\\*", "*", True),
        ("\\*", "a", False),
        ("a\\?", "a?", True),
        ("a\\?", "ab", False),
        ("[\\]]", "]", True),
        ("./src/x", "src/x", True),
        ("a,b", "a,b", True),
        ("{,a}b", "b", True),
        ("{,a}b", "ab", True),
        ("**", "x", True),
        ("src/**", "", False),
        ("src/**", "/src/a", False),
        ("src/**", "src/a/", False),
    ],
)
def test_match(text: str, path: str, expected: bool) -> None:
    assert match(g(text), path) is expected
    assert GlobSet([g(text)]).matches(path) is expected


# ---- inside ----------------------------------------------------------------------------


def test_inside_when_contained() -> None:
    assert inside(g("src/api/*.py"), [g("src/**")]) is None
    assert inside(g("src/**"), [g("src/*"), g("src/*/**")]) is None
    assert inside(g("a/{b,c}"), [g("a/b"), g("a/c")]) is None
    assert inside(g("**/*.md"), [g("*.md"), g("**/*/*.md")]) is None


def test_inside_gives_the_shortest_path_outside() -> None:
    witness = inside(g("src/**"), [g("src/api/**")])
    assert witness == "src/a"
    assert match(g("src/**"), witness) and not match(g("src/api/**"), witness)
    assert inside(g("src/**"), [g("src/a"), g("src/?/**")]) == "src/b"
    assert inside(g("a/{b,c}"), [g("a/b")]) == "a/c"


def test_inside_of_nothing() -> None:
    assert inside(g("src/**"), []) == "src/a"
    assert inside(g("[.]"), []) is None  # matches only `.`, which names no file: it lies inside anything


# ---- pre-filter -------------------------------------------------------------------------


def test_literal_prefix_and_suffix() -> None:
    assert literal_prefix(g("src/mod17/*.py")) == "src/mod17/"
    assert literal_suffix(g("src/mod17/*.py")) == ".py"
    assert literal_prefix(g("**/*.md")) == ""
    assert literal_suffix(g("docs/")) == ""
    assert literal_prefix(g("docs/x.md")) == literal_suffix(g("docs/x.md")) == "docs/x.md"


def test_may_overlap_is_a_necessary_condition() -> None:
    assert not may_overlap(g("src/**"), g("docs/**"))
    assert not may_overlap(g("tests/test_m1_*.py"), g("tests/*.md"))
    assert may_overlap(g("src/**"), g("src/api/*.py"))
    assert may_overlap(g("src/a*"), g("src/ab"))  # necessary, not sufficient
    assert overlap(g("src/a*.md"), g("src/ab/x.md")) is None


def test_overlap_candidates_agree_with_all_pairs() -> None:
    left = [g(t) for t in ["src/mod1/**", "src/mod17/*.py", "docs/m1/*.md", "**/*.md", "tests/test_m1_*.py", "src/"]]
    right = [g(t) for t in ["src/mod17/**", "src/mod1/x.py", "docs/**", "tests/test_m17_*.py", "*", "{src,docs}/x.md"]]
    brute = {(i, j) for i, a in enumerate(left) for j, b in enumerate(right) if overlap(a, b) is not None}
    candidates = set(overlap_candidates(left, right))
    assert brute <= candidates
    assert candidates == {(i, j) for i, a in enumerate(left) for j, b in enumerate(right) if may_overlap(a, b)}
    pairs = overlapping_pairs(left, right)
    assert {(left.index(p.left), right.index(p.right)) for p in pairs} == brute
    for pair in pairs:
        assert match(pair.left, pair.witness) and match(pair.right, pair.witness)


# ---- many files -----------------------------------------------------------------------------


def test_globset_and_owner_index() -> None:
    owns = {
        "api": [g("src/api/**"), g("tests/api/")],
        "docs": [g("docs/**/*.md"), g("**/README.md")],
        "core": [g("src/*.py"), g("src/{core,util}/**")],
        "idle": [],
    }
    owners = owner_index(owns)
    assert owners("src/api/x.py") == ["api"]
    assert owners("src/api/README.md") == ["api", "docs"]
    assert owners("src/main.py") == ["core"]
    assert owners("src/util/a/b.py") == ["core"]
    assert owners("setup.py") == []
    assert owners("src//main.py") == []
    assert GlobSet([]).matches("a") is False
    assert GlobSet(owns["core"]).matches("src/core/x")


def test_globset_shares_prefixes_in_one_pattern() -> None:
    globs = [g(f"src/mod{n}/*.py") for n in range(300)] + [g("src/mod1{0,1}/**")]
    matcher = GlobSet(globs)
    assert matcher.matches("src/mod299/a.py")
    assert matcher.matches("src/mod11/a/b")
    assert not matcher.matches("src/mod300/a.py")
