from __future__ import annotations

import pytest

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
    parse_glob,
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
        ("a{**}", 3, "whole segment", "between slashes"),
        ("x{**}y", 3, "whole segment", None),
        ("a/\\.\\./b", 3, "`..` segment", None),
        ("{\\.\\.,a}/b", 2, "`..` segment", None),
        ("./src/[z-a].py", 7, "reversed", None),
        ("a/[bc", 3, "unclosed `[`", None),
        ("a/{b,c", 3, "unclosed `{`", None),
        ("a\\", 2, "escapes nothing", None),
        ("./../x", 3, "`..` segment", None),
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
        ("[!]", (CharClass(False, (("!", "!"),)),)),  # a lone `!` is the character, not negation
        ("{a,**}/b", (Choice(((Literal("a/"),), (AnyDirs(),))), Literal("b"))),  # brace expansion: a/b or **/b
    ],
)
def test_glob_edge_cases(text: str, nodes: tuple[object, ...]) -> None:
    assert parse_glob(text).nodes == nodes
