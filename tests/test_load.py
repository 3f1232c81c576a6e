from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from rallyc.load import YamlSyntaxError, decode, load_text, resolve_plain
from rallyc.source import Span
from tests.conftest import SMALL_SPEC


def test_every_key_value_and_item_has_a_span() -> None:
    document = load_text("rally: 1\nteam:\n  name: x\nlist:\n  - a\n  - 'b'\n", "f.yaml")
    assert document.nodes[("team", "name")].key == Span("f.yaml", 3, 3, 3, 7)
    assert document.nodes[("team", "name")].value == Span("f.yaml", 3, 9, 3, 10)
    assert document.nodes[("list", 1)].value == Span("f.yaml", 6, 5, 6, 8)
    assert document.nodes[("list", 1)].quoted


def test_yaml_12_core_schema_keeps_dates_and_yes_as_text() -> None:
    document = load_text("a: 2026-01-01\nb: yes\nc: 0x1F\nd: 1.5\ne: ~\nf: !!str 12\ng: '7'\n", "f")
    assert document.data == {"a": "2026-01-01", "b": "yes", "c": 31, "d": 1.5, "e": None, "f": "12", "g": "7"}
    assert document.plain_text[("c",)] == "0x1F"


@pytest.mark.parametrize(("text", "value"), [("true", True), ("False", False), (".inf", ".inf"), (".nan", ".nan"), ("1e999", "1e999"), ("-12", -12), ("0o17", 15),
                                             ("1e3", 1000.0), ("1_000", "1_000")])
def test_resolve_plain(text: str, value: object) -> None:
    assert resolve_plain(text) == value


def test_duplicate_keys_keep_the_first_and_report_both_places() -> None:
    document = load_text("a: 1\nb: 2\na: 3\n", "f")
    assert document.data == {"a": 1, "b": 2}
    (duplicate,) = document.duplicates
    assert (duplicate.first.line, duplicate.second.line) == (1, 3)


def test_merge_keys_written_keys_win() -> None:
    document = load_text("base: &b {x: 1, y: 2}\nm:\n  <<: *b\n  y: 3\n", "f")
    assert document.data["m"] == {"x": 1, "y": 3}


BILLION_LAUGHS = (
    'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
    + "".join(f"{n}: &{n} [{', '.join(['*' + p] * 9)}]\n" for p, n in zip("abcdef", "bcdefg"))
)


def test_billion_laughs_is_refused() -> None:
    # refused by counting expanded nodes, so it stops after 10,000 of the file's 5 billion
    assert len(BILLION_LAUGHS) < 400
    with pytest.raises(YamlSyntaxError, match="aliases expand"):
        load_text(BILLION_LAUGHS, "f")


def test_merge_keys_count_towards_the_alias_limit() -> None:
    """Empty mappings merged nine times a level: no node to convert, still 9^9 merges (it hung before)."""
    lines = ["a: &a {}"] + [f"{n}: &{n} {{<<: [{', '.join(['*' + p] * 9)}]}}" for p, n in zip("abcdefgh", "bcdefghi")]
    with pytest.raises(YamlSyntaxError, match="aliases expand"):
        load_text("\n".join(lines) + "\n", "f")


def test_a_reused_anchor_is_valid_and_silent(capfd: pytest.CaptureFixture[str]) -> None:
    """YAML 1.2 lets an anchor be defined again; ruamel's ReusedAnchorWarning never reaches stderr."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a warning raised here would fail the test, whatever the filters
        document = load_text("x: &A 1\ny: &A 2\nz: *A\n", "f")
    assert document.data == {"x": 1, "y": 2, "z": 2}
    assert capfd.readouterr().err == ""


def test_no_command_prints_a_warning_for_a_reused_anchor(tmp_path: Path) -> None:
    """The issue: ruamel's 9-line ReusedAnchorWarning on stderr in every command (a process, as a user sees it)."""
    spec = tmp_path / "team.rally.yaml"
    spec.write_text(SMALL_SPEC.replace("rally: 1", "rally: &r 1\nx-a: &r 2\nx-b: *r"), encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "rallyc", "lint", "--no-repo", str(spec)], capture_output=True,
                          text=True, check=False, timeout=60)  # fmt: skip
    assert (done.returncode, done.stderr) == (0, "")


@pytest.mark.parametrize(
    ("text", "message", "line", "column"),
    [
        ("a: &a [*a]\n", "contains it", 1, 8),
        ("a: &A {<<: *A}\n", "contains it", 1, 12),
        ("a: &A {b: {<<: *A}}\n", "contains it", 1, 16),
        ("goal: \"\\uDC80\"\n", "half of a surrogate pair", 1, 7),
        ("\"\\uD800x\": 1\n", "half of a surrogate pair", 1, 1),
        ("[" * 100, "nested deeper", 1, 65),
        ("a:\n\tb: 1\n", "tab", 2, 1),
        ("a: [1,\n", "expected", 2, 1),
        ("? [a]\n: 1\n", "plain value", 1, 3),
    ],
)
def test_syntax_errors_are_located(text: str, message: str, line: int, column: int) -> None:
    with pytest.raises(YamlSyntaxError, match=message) as raised:
        load_text(text, "f")
    assert raised.value.span is not None
    assert (raised.value.span.line, raised.value.span.column) == (line, column)


def test_non_utf8_bytes_are_located() -> None:
    with pytest.raises(YamlSyntaxError, match="0xff") as raised:
        decode(b"a: 1\nb: \xc3\xa9\xff\n", "f")
    assert raised.value.span == Span.point("f", 2, 5)


def test_folded_scalars_carry_no_fold_marks() -> None:
    document = load_text("goal: >-\n  Split the module\n  into two.\n", "f")
    assert document.data == {"goal": "Split the module into two."}
