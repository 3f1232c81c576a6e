"""The filters that put user text into Markdown, YAML and TOML: round trips and invariants."""

from __future__ import annotations

import tomllib

from hypothesis import given
from hypothesis import strategies as st
from ruamel.yaml import YAML

from rallyc.render import code, fenced, oneline, prose, toml_multiline, toml_string, yaml_quote, yaml_scalar

texts = st.text(st.characters(exclude_categories=["Cs"]), max_size=200)


@given(texts)
def test_toml_multiline_round_trips(text: str) -> None:
    assert tomllib.loads(f"x = {toml_multiline(text)}\n")["x"] == text


@given(texts)
def test_toml_string_round_trips_on_one_line(text: str) -> None:
    rendered = toml_string(text)
    assert "\n" not in rendered
    assert tomllib.loads(f"x = {rendered}\n")["x"] == text


@given(texts)
def test_yaml_quote_is_one_double_quoted_line_that_round_trips(text: str) -> None:
    rendered = yaml_quote(text)
    assert rendered.startswith('"') and "\n" not in rendered
    assert YAML(typ="safe").load(f"x: {rendered}\n")["x"] == oneline(text)


def test_yaml_scalar_quotes_what_would_not_read_as_the_same_string() -> None:
    assert yaml_scalar("claude-opus-4-7") == "claude-opus-4-7"
    for tricky in ("1.5", "yes", "null", "a: b", "[x]", "#x", ""):
        assert YAML(typ="safe").load(f"x: {yaml_scalar(tricky)}\n")["x"] == tricky


@given(st.lists(st.sampled_from(["# a", "## b", "###### c", "text", "---", "===", "```", "~~~~", "    ## code", ""]),
                max_size=12))  # fmt: skip
def test_prose_never_yields_a_level_one_or_two_heading_outside_a_fence(lines: list[str]) -> None:
    fence = None
    for line in prose("\n".join(lines)).splitlines():
        stripped = line.strip()
        if fence and stripped.startswith(fence) and set(stripped) == {fence[0]}:
            fence = None
        elif not fence and stripped[:3] in ("```", "~~~") and not line.startswith("    "):
            fence = stripped
        elif not fence:
            assert not line.startswith(("# ", "## ")) and line not in ("#", "##")
    assert fence is None  # an open fence is always closed


def test_prose_keeps_ordinary_markdown_verbatim() -> None:
    text = "- a `{{ x }}` list\n\n```\n## inside a fence\n```\n\n| a | b |"
    assert prose(text) == text


def test_code_spans_survive_backticks() -> None:
    assert code("a") == "`a`"
    assert code("a`b") == "``a`b``"
    assert code("`a") == "`` `a ``"


def test_fenced_picks_a_fence_longer_than_any_inside() -> None:
    assert fenced("x\n~~~\ny", "md") == "~~~~md\nx\n~~~\ny\n~~~~"
