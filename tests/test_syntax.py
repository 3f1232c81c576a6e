from __future__ import annotations

import pytest

from rallyc.globparse import MAX_BRACE_DEPTH, parse_glob, parse_glob_list, parse_item
from rallyc.syntax import (
    AnyDirs,
    AnyPath,
    AnyRun,
    CharClass,
    Choice,
    Literal,
    PatternError,
    Reference,
    parse_duration,
    parse_reference,
    parse_tokens,
)


@pytest.mark.parametrize(
    ("text", "nodes"),
    [
        ("src/**/*.py", (Literal("src/"), AnyDirs(), AnyRun(), Literal(".py"))),
        ("docs/", (Literal("docs/"), AnyPath())),
        ("./a/**", (Literal("a/"), AnyPath())),
        ("a/{b,c/d}", (Literal("a/"), Choice(((Literal("b"),), (Literal("c/d"),))))),
        ("[!a-c]", (CharClass(True, (("a", "c"),)),)),
        ("a,b}", (Literal("a,b}"),)),
        ("\\*\\{", (Literal("*{"),)),
    ],
)
def test_globs_parse_to_nodes(text: str, nodes: tuple[object, ...]) -> None:
    assert parse_glob(text).nodes == nodes


@pytest.mark.parametrize(
    ("text", "column", "message", "hint"),
    [
        ("src/**.py", 5, "whole segment", "src/**/*.py"),
        ("a**/b", 2, "whole segment", "a*/**/b"),
        ("/abs", 1, "cannot start with `/`", None),
        ("a/../b", 3, "`..` segment", None),
        ("a//b", 3, "empty segment", None),
        ("a/{/b,c}", 4, "empty segment", None),
        ("{,a}/x", 1, "empty alternative", None),
        ("a{**,b}", 3, "whole segment", "between slashes"),
        ("x{**,b}y", 3, "whole segment", None),
        ("a/\\.\\./b", 3, "`..` segment", None),
        ("{\\.\\.,a}/b", 2, "`..` segment", None),
        ("./src/[z-a].py", 7, "reversed", None),
        ("a/[bc", 3, "unclosed `[`", None),
        ("a/{b,c", 3, "unclosed `{`", None),
        ("a\\", 2, "escapes nothing", None),
        ("./../x", 3, "`..` segment", None),
        ("src/{id}/x", 5, "`{id}` has one alternative", "`\\{id\\}`"),  # a Next.js or cookiecutter folder name
        ("a{}b", 2, "`{}` has one alternative", "`\\{\\}`"),
        ("a/{b,{c}}", 6, "`{c}` has one alternative", None),
        ("\\/etc", 1, "cannot start with `/`", None),
        ("a\\/", 2, "empty last segment", None),
        ("a\\//b", 4, "empty segment", None),
        ("a/{b,c\\/}", 7, "empty last segment", None),
        ("a\\/..\\/b", 4, "`..` segment", None),  # an escaped slash still separates segments
    ],
)
def test_glob_errors_have_columns_and_hints(text: str, column: int, message: str, hint: str | None) -> None:
    with pytest.raises(PatternError) as raised:
        parse_glob(text)
    assert message in raised.value.message
    assert raised.value.column == column
    if hint:
        assert raised.value.hint is not None and hint in raised.value.hint


@pytest.mark.parametrize(("text", "seconds"), [("90s", 90), ("15m", 900), ("2h", 7200), ("1h30m", 5400), (45, 45), ("1h1s", 3601)])
def test_durations(text: str | int, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["30m1h", "1.5h", "0s", "15 m", "m", "-5", ""])
def test_bad_durations(text: str) -> None:
    with pytest.raises(PatternError):
        parse_duration(text)


@pytest.mark.parametrize(("text", "count"), [("250000", 250000), ("250k", 250000), ("1.5M", 1500000), (42, 42), ("2K", 2000)])
def test_token_counts(text: str | int, count: int) -> None:
    assert parse_tokens(text) == count


@pytest.mark.parametrize("text", ["1.5", "2m", "k", "0", "1.5G"])
def test_bad_token_counts(text: str) -> None:
    with pytest.raises(PatternError):
        parse_tokens(text)


def test_references() -> None:
    assert parse_reference("api-routes") == Reference("api-routes", False)
    assert parse_reference("models.*") == Reference("models", True)
    for bad in ("Models", "models.", "a.b", "1x"):
        with pytest.raises(PatternError):
            parse_reference(bad)


@pytest.mark.parametrize(
    ("text", "nodes"),
    [
        ("a\\\\/", (Literal("a\\/"), AnyPath())),  # an escaped backslash, then a real trailing slash
        ("[a\\-z]", (CharClass(False, (("a", "a"), ("-", "-"), ("z", "z"))),)),  # an escaped dash is no range
        ("{a,**}/b", (Choice(((Literal("a/"),), (AnyDirs(),))), Literal("b"))),  # brace expansion: a/b or **/b
    ],
)
def test_glob_edge_cases(text: str, nodes: tuple[object, ...]) -> None:
    assert parse_glob(text).nodes == nodes


# ---- classes as git reads them ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "node"),
    [
        ("[^_]", CharClass(True, (("_", "_"),))),  # `^` negates, as `!` does
        ("[!_]", CharClass(True, (("_", "_"),))),
        ("[!!]", CharClass(True, (("!", "!"),))),
        ("[^^]", CharClass(True, (("^", "^"),))),
        ("[a^]", CharClass(False, (("a", "a"), ("^", "^")))),  # not first: a member
        ("[]]", CharClass(False, (("]", "]"),))),  # `]` first is a member
        ("[]a]", CharClass(False, (("]", "]"), ("a", "a")))),
        ("[!]a]", CharClass(True, (("]", "]"), ("a", "a")))),
        ("[a-]", CharClass(False, (("a", "a"), ("-", "-")))),  # `-` last is a member
        ("[-a]", CharClass(False, (("-", "-"), ("a", "a")))),
        ("[[:digit:]]", CharClass(False, tuple((d, d) for d in "0123456789"))),
        ("[[:xdigit:]_]", CharClass(False, (*((c, c) for c in "0123456789abcdefABCDEF"), ("_", "_")))),
        ("[[:digit:]-z]", CharClass(False, (*((d, d) for d in "0123456789"), ("-", "-"), ("z", "z")))),
        ("[[:a]", CharClass(False, (("[", "["), (":", ":"), ("a", "a")))),  # no `:]`: git reads the characters
    ],
)
def test_classes_read_as_git_reads_them(text: str, node: CharClass) -> None:
    assert parse_glob(text).nodes == (node,)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[!]", "unclosed `[`"),  # the `]` is a member: the class never closes
        ("[^]", "unclosed `[`"),
        ("[]", "unclosed `[`"),
        ("[[:alpha:]", "unclosed `[`"),
        ("[[:alfa:]]", "no POSIX class"),
        ("[[::]]", "no POSIX class"),
        ("[a-[:digit:]]", "cannot end at the POSIX class"),
        ("x/[z-a]", "reversed"),
    ],
)
def test_classes_git_would_never_match_are_errors(text: str, message: str) -> None:
    with pytest.raises(PatternError) as raised:
        parse_glob(text)
    assert message in raised.value.message


# ---- braces, escapes and nesting ----------------------------------------------------------


def test_an_escaped_slash_inside_a_path_is_a_slash() -> None:
    assert parse_glob("a\\/b").nodes == (Literal("a/b"),)
    assert parse_glob("\\{id\\}/x").nodes == (Literal("{id}/x"),)


def nested(depth: int) -> str:
    return "{a," * depth + "b" + "}" * depth


def test_braces_nest_up_to_the_limit() -> None:
    assert parse_glob(nested(MAX_BRACE_DEPTH)).text == nested(MAX_BRACE_DEPTH)
    assert parse_glob("[{{{{{{{{{{{{{{{{{]").nodes  # braces inside a class are characters, not nesting
    for depth in (MAX_BRACE_DEPTH + 1, 300, 5000):  # 5000 once raised RecursionError
        with pytest.raises(PatternError) as raised:
            parse_glob(nested(depth))
        assert f"deeper than {MAX_BRACE_DEPTH} levels" in raised.value.message
        assert raised.value.column == MAX_BRACE_DEPTH * 3 + 1


# ---- exclusions ------------------------------------------------------------------------------


def test_list_items_starting_with_a_bang_are_exclusions() -> None:
    assert parse_item("!src/core.py") == (True, parse_glob("src/core.py"))
    assert parse_item("\\!src") == (False, parse_glob("\\!src"))  # escaped: a file named `!src`
    (owned,) = parse_glob_list(["src/**", "!src/core.py", "!src/gen/**"])
    assert owned.text == "src/**"
    assert [glob.text for glob in owned.excluded] == ["src/core.py", "src/gen/**"]
    assert owned.shown == "src/** (except src/core.py, src/gen/**)"
    assert parse_glob_list([]) == ()


def test_exclusion_errors_point_inside_the_item() -> None:
    with pytest.raises(PatternError) as raised:
        parse_item("!src//x")
    assert raised.value.column == 6
    with pytest.raises(PatternError) as raised:
        parse_glob_list(["!src/core.py", "!docs/**"])
    assert "only exclusions" in raised.value.message
