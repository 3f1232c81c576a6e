"""Regression cases for the glob algebra (docs/globs.md and docs/language.md: globs, overlap, inside)."""

from __future__ import annotations

import pytest

from rallyc.globs import (
    GlobSet,
    TooComplex,
    TrackedFiles,
    inside,
    is_valid_path,
    literal_prefixes,
    literal_suffix,
    match,
    may_overlap,
    overlap,
    overlap_candidates,
    overlapping_pairs,
    owner_index,
)
from rallyc.globparse import MAX_BRACE_DEPTH, parse_glob, parse_glob_list
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
    assert literal_prefixes(g("src/mod17/*.py")) == ("src/mod17/",)
    assert literal_suffix(g("src/mod17/*.py")) == ".py"
    assert literal_prefixes(g("**/*.md")) == ("",)
    assert literal_suffix(g("docs/")) == ""
    assert literal_prefixes(g("docs/x.md")) == (literal_suffix(g("docs/x.md")),) == ("docs/x.md",)


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


# ---- classes as git reads them ----------------------------------------------------------------


def test_a_caret_negates_as_in_git() -> None:
    public = g("src/[^_]*.py")
    assert match(public, "src/public.py")
    assert not match(public, "src/_private.py")
    assert overlap(public, g("src/_*")) is None
    assert match(g("src/[[:upper:]]*"), "src/Main.py") and not match(g("src/[[:upper:]]*"), "src/main.py")
    assert match(g("[]]"), "]") and match(g("[!]]"), "a") and not match(g("[!]]"), "]")


# ---- `.` and `..` are not file names --------------------------------------------------------------


@pytest.mark.parametrize("path", [".", "..", "src/.", "src/..", "a/./b", "a/../b"])
def test_dot_segments_are_never_matched(path: str) -> None:
    for text in ("**", "*/*", "src/*", "?", "??", "[.]", "[.][.]", "a/*/b"):
        assert not match(g(text), path)
    assert not GlobSet([g("**")]).matches(path)
    assert owner_index({"all": [g("**")]})(path) == []


def test_witnesses_never_hold_dot_segments_and_prefer_plain_names() -> None:
    assert overlap(g("src/[.-]*"), g("src/*")) == "src/-"  # once `src/.`
    assert overlap(g("?"), g("[.]")) is None  # only `.` would match both
    assert overlap(g("*"), g(".?")) == ".a"  # `..` is no name
    assert overlap(g("src/api/*.py"), g("src/**")) == "src/api/a.py"  # not the shorter `src/api/.py`
    assert overlap(g("[!a-z0-9A-Z_-]*"), g("*")) == "!"  # printable before a hidden name
    assert inside(g("*"), [g("?*")]) is None  # the empty name is no path


def test_witnesses_prefer_a_tracked_file_in_both() -> None:
    tracked = TrackedFiles(["src/api/routes.py", "src/api/zz.py", "src/web/a.py", "README.md"])
    assert overlap(g("src/**"), g("src/api/*.py"), tracked) == "src/api/zz.py"  # shortest, then readable
    assert overlap(g("src/**"), g("src/api/*.py")) == "src/api/a.py"  # none tracked: the plainest
    assert overlap(g("docs/**"), g("**/*.md"), tracked) == "docs/a.md"  # no tracked file in both
    assert inside(g("src/**"), [g("src/api/**")], tracked) == "src/web/a.py"


# ---- exclusions ----------------------------------------------------------------------------------


def listed(*texts: str) -> list[Glob]:
    return list(parse_glob_list(texts))


def test_exclusions_subtract_from_every_glob_of_their_list() -> None:
    (web,) = listed("src/**", "!src/click/termui.py")
    (termui,) = listed("src/click/termui.py")
    assert overlap(web, termui) is None
    assert overlap(web, g("src/click/*.py")) == "src/click/a.py"
    assert not match(web, "src/click/termui.py") and match(web, "src/click/core.py")
    assert inside(g("src/click/termui.py"), [web]) == "src/click/termui.py"
    assert inside(g("src/click/core.py"), [web]) is None
    assert inside(web, listed("src/**")) is None
    assert listed("!src/gen/**", "src/**", "lib/**") == listed("src/**", "lib/**", "!src/gen/**")  # order-free


def test_exclusions_on_both_sides_and_in_many_paths() -> None:
    (left,) = listed("src/**", "!src/api/**")
    (right,) = listed("src/**", "!src/web/**")
    assert overlap(left, right) == "src/a"
    (narrow,) = listed("src/*/x.py", "!src/a/*", "!src/b/*")
    assert overlap(narrow, g("src/[ab]/*")) is None
    assert overlap(narrow, g("src/[abc]/*")) == "src/c/x.py"
    owners = owner_index({"web": listed("src/**", "!src/api/**"), "api": listed("src/api/**")})
    assert owners("src/api/a.py") == ["api"] and owners("src/web/a.py") == ["web"]
    assert GlobSet(listed("src/**", "!**/*.md")).matches("src/a.py")
    assert not GlobSet(listed("src/**", "!**/*.md")).matches("src/a.md")


# ---- nothing explodes ---------------------------------------------------------------------------------


def test_literal_prefixes_are_linear_in_the_braces() -> None:
    assert literal_prefixes(g("{a,b}" * 24 + "/**")) == ("",)  # 2^24 prefixes give way to what they share
    assert literal_prefixes(g("pkg/{lib,src}7/**")) == ("pkg/lib7/", "pkg/src7/")
    assert literal_prefixes(g("x{a,b}{c,d}*")) == ("xac", "xad", "xbc", "xbd")


def test_matching_never_backtracks() -> None:
    """Each of these took seconds to minutes with backtracking regular expressions."""
    assert not match(g("data/" + "*a" * 8 + "*b"), "data/" + "a" * 60)
    assert not match(g("**/" * 12 + "x.md"), "d/" * 40 + "y.md")
    assert not match(g("data/" + "{a,aa}" * 24 + "b"), "data/" + "a" * 48)
    assert not GlobSet([g("**/" * 12 + "x.md")]).matches("d/" * 40 + "y.md")


def test_questions_past_the_budget_raise_too_complex() -> None:
    covers = [g("x/*a" + "?" * 20), g("x/*[!a]" + "?" * 20), *(g("x/" + "?" * n) for n in range(1, 21))]
    with pytest.raises(TooComplex):
        inside(g("x/*"), covers)


def test_braces_at_the_nesting_limit_pass_through_every_layer() -> None:
    """The parser refuses deeper nesting; at the limit the automata, the search, the prefix index and
    the matchers (which all recurse as deep as the braces) answer."""
    deep = g("{a," * MAX_BRACE_DEPTH + "b" + "}" * MAX_BRACE_DEPTH + "/x")
    assert overlap(deep, g("*/x")) == "a/x"
    assert inside(deep, [g("?/x")]) is None
    assert match(deep, "b/x") and not match(deep, "c/x")
    assert GlobSet([deep]).matches("b/x")
    assert owner_index({"deep": [deep]})("a/x") == ["deep"]
    assert literal_prefixes(deep) == ("a/x", "b/x")
