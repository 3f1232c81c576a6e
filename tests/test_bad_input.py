"""Bad input never crashes `rallyc lint`.

Whatever a file holds, `rallyc.api.lint` returns: each problem is a
diagnostic with a position inside the file and a known rule code, or a
`RallyError` in `report.failures` that names the file. Explicit cases cover
what users and attackers write (empty files, wrong types, bad encodings,
alias bombs, huge files); a property test mutates the example specs at
random and also checks that the schema fast path agrees with jsonschema.
"""

from __future__ import annotations

import copy
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from rallyc.api import LintReport, lint
from rallyc.diagnostics import Diagnostic
from rallyc.errors import RallyError
from rallyc.load import YamlSyntaxError, load_text
from rallyc.rules import all_rules
from rallyc.schema import coerce_strings, document_is_valid, team_schema
from rallyc.source import Span
from tests.conftest import EXAMPLES, SMALL_SPEC

CODES = frozenset(rule.code for rule in all_rules())


# ---- what every report must look like ------------------------------------------


def check_span(span: Span, lines: list[str], what: str) -> None:
    assert span.line >= 1 and span.column >= 1, f"{what}: {span}"
    assert span.line <= len(lines) + 1, f"{what}: line {span.line} of a {len(lines)}-line file"
    text = lines[span.line - 1] if span.line <= len(lines) else ""
    assert span.column <= len(text) + 1, f"{what}: column {span.column} of line {span.line} {text!r}"


def split_lines(text: str) -> list[str]:
    """Lines as YAML and editors count them: not str.splitlines, which also breaks at NEL, LS, PS and more."""
    return re.split(r"\r\n|\r|\n", text)


def check_report(report: LintReport, path: Path) -> None:
    """Every diagnostic sits inside the file and has a known code; every failure names the file."""
    assert report.files or report.failures, "the file was neither linted nor refused"
    for failure in report.failures:
        assert isinstance(failure, RallyError)
        assert str(path) in str(failure), str(failure)
    raw = path.read_bytes() if path.is_file() and path.stat().st_size < 1 << 20 else b""
    lines = split_lines(raw.decode("utf-8-sig", "replace"))
    for diagnostic in report.diagnostics:
        check_diagnostic(diagnostic, lines)


def check_diagnostic(diagnostic: Diagnostic, lines: list[str], one_line: bool = True) -> None:
    assert diagnostic.code in CODES, diagnostic
    assert diagnostic.message
    # a message is one line of `path:line:col: severity CODE message`
    assert not one_line or "\n" not in diagnostic.message, diagnostic.message
    check_span(diagnostic.span, lines, f"{diagnostic.code} {diagnostic.message}")
    for related in diagnostic.related:
        check_span(related.span, lines, f"{diagnostic.code} related {related.message}")


def codes(report: LintReport) -> set[str]:
    return {diagnostic.code for diagnostic in report.diagnostics}


# ---- explicit cases --------------------------------------------------------------


def _laughs() -> bytes:
    """The classic alias bomb: nine levels of nine aliases, 9^9 strings, in about 300 bytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi"):
        lines.append(f"{name}: &{name} [{','.join([f'*{previous}'] * 9)}]")
    return "\n".join(lines).encode() + b"\n"


def _deep_mapping(levels: int) -> bytes:
    return "".join(f"{'  ' * level}k{level}:\n" for level in range(levels)).encode()


BAD_FILES: dict[str, tuple[bytes, str | None]] = {
    # name: (content, a rule code the report must hold; None: any diagnostic or failure)
    "empty file": (b"", "RY002"),
    "only a comment": (b"# nothing here\n", "RY002"),
    "a list at the top": (b"- rally: 1\n- team: x\n", "RY002"),
    "a scalar at the top": (b"hello\n", "RY002"),
    "a number at the top": (b"42\n", "RY002"),
    "wrong types at the top": (b"rally: 1\nteam: []\nteammates: 3\n", "RY002"),
    "wrong types inside": (
        b"rally: 1\nteam: {name: 7, goal: [a]}\nbudget: yes\nteammates:\n"
        b"  - name: a\n    role: {x: 1}\n    owns: src/**\n    tasks: {}\n",
        "RY002",
    ),
    "tasks as a mapping": (
        b"rally: 1\nteam: {name: t, goal: g}\nteammates:\n  - {name: a, role: r, tasks: {}}\n",
        "RY002",
    ),
    "teammates as a string": (b"rally: 1\nteam: {name: t, goal: g}\nteammates: everyone\n", "RY002"),
    "null everywhere": (b"rally:\nteam:\nteammates:\n  -\n", "RY002"),
    "unsupported version": (SMALL_SPEC.replace("rally: 1", "rally: 99").encode(), "RY007"),
    "non-UTF-8 bytes": (b"rally: 1\nteam: \xff\xfe\n", "RY001"),
    "latin-1 text": (SMALL_SPEC.replace("Add the pages.", "Ajoute les pages d\xe9j\xe0.").encode("latin-1"), "RY001"),
    "a tab for indentation": (b"rally: 1\nteam:\n\tname: t\n", "RY001"),
    "a tab inside a flow mapping": (b"rally: 1\nteam: {name: t,\tgoal: g}\n", None),
    "unclosed flow list": (b"rally: 1\nteammates: [a, b\n", "RY001"),
    "unclosed quote": (b'rally: 1\nteam: "open\n', "RY001"),
    "two documents": (b"rally: 1\n---\nrally: 1\n", "RY001"),
    "a list as a key": (b"rally: 1\n[a, b]: c\n", "RY001"),
    "an undefined alias": (b"rally: 1\nteam: *nowhere\n", "RY001"),
    "billion laughs": (_laughs(), "RY001"),
    "recursion through aliases": (b"a: &a [*a]\n", "RY001"),
    "recursion through a mapping alias": (b"a: &a {b: *a}\n", "RY001"),
    "deeply nested lists": (b"a: " + b"[" * 500 + b"]" * 500 + b"\n", "RY001"),
    "deeply nested mappings": (_deep_mapping(200), "RY001"),
    "a merge key on a scalar": (b"rally: 1\nteam:\n  <<: 3\n", "RY001"),
    "a byte-order mark": (b"\xef\xbb\xbf" + SMALL_SPEC.encode(), None),
    "CRLF line endings": (SMALL_SPEC.replace("\n", "\r\n").encode(), None),
    "no final newline": (SMALL_SPEC.rstrip("\n").encode(), None),
    "a very long line": (b"rally: 1\nteam: {name: t, goal: " + b"g" * 200_000 + b"}\n", "RY002"),
    "many duplicate keys": (b"rally: 1\n" + b"team: {}\n" * 500, "RY003"),
    "an unknown key with a typo": (SMALL_SPEC.replace("budget:", "budjet:").encode(), "RY002"),
    "an x- key is kept": (SMALL_SPEC.replace("budget:", "x-budget:").encode(), None),
    "a date where text is wanted": (SMALL_SPEC.replace("Add the routes.", "2026-01-01").encode(), None),
    "an infinite cap": (SMALL_SPEC.replace("max_usd: 40", "max_usd: .inf").encode(), None),
    "a NaN cap": (SMALL_SPEC.replace("max_usd: 40", "max_usd: .nan").encode(), None),
    "an infinite overhead": (SMALL_SPEC.replace("max_usd: 40", "max_usd: 40, overhead: .inf").encode(), None),
    "a huge estimate": (SMALL_SPEC.replace("estimate: 20m", "estimate: 99999999999999999999h").encode(), None),
    "a huge token count": (SMALL_SPEC.replace("estimate: 20m", "tokens: 99999999999999999999M").encode(), None),
    "a zero duration": (SMALL_SPEC.replace("estimate: 20m", "estimate: 0m").encode(), "RY004"),
    "a broken glob": (SMALL_SPEC.replace("src/api/**", '"src/[api"').encode(), "RY004"),
    "a negative infinite cap": (SMALL_SPEC.replace("max_usd: 40", "max_usd: -.inf").encode(), "RY002"),
}


@pytest.mark.parametrize("content", [b"\x00\x00\x00", b"rally: 1\nteam:\n  name: a\x00b\n"], ids=["only", "inside"])
def test_a_nul_byte_is_reported_where_it_is(content: bytes, tmp_path: Path) -> None:
    path = tmp_path / "team.rally.yaml"
    path.write_bytes(content)
    report = lint([str(path)])
    check_report(report, path)
    (diagnostic,) = report.diagnostics
    assert diagnostic.code == "RY001"
    line = content.count(b"\n", 0, content.index(b"\x00")) + 1
    column = content.index(b"\x00") - (content.rfind(b"\n", 0, content.index(b"\x00")) + 1) + 1
    assert (diagnostic.span.line, diagnostic.span.column) == (line, column)


@pytest.mark.parametrize("name", list(BAD_FILES))
def test_bad_file_gives_diagnostics_or_a_failure(name: str, tmp_path: Path) -> None:
    content, expected = BAD_FILES[name]
    path = tmp_path / "team.rally.yaml"
    path.write_bytes(content)
    report = lint([str(path)])
    check_report(report, path)
    if expected:
        assert expected in codes(report), [f"{d.code} {d.message}" for d in report.diagnostics]


def test_missing_path_is_a_failure(tmp_path: Path) -> None:
    path = tmp_path / "missing.rally.yaml"
    report = lint([str(path)])
    assert [type(failure) for failure in report.failures] == [RallyError]
    check_report(report, path)
    assert report.exit_code == 2


def test_a_folder_named_like_a_spec_is_a_failure(tmp_path: Path) -> None:
    (tmp_path / "team.rally.yaml").mkdir()
    report = lint([str(tmp_path)])
    assert len(report.failures) == 1
    assert "team.rally.yaml" in str(report.failures[0])
    assert report.exit_code == 2


def test_a_folder_without_specs_is_reported(tmp_path: Path) -> None:
    report = lint([str(tmp_path)])
    assert report.files or report.failures


def test_a_50_mb_file_is_refused_without_reading_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.rally.yaml"
    with path.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: NUL bytes that take no disk space
    original = {name: getattr(Path, name) for name in ("read_bytes", "read_text", "open")}

    def guarded(name: str) -> Callable[..., Any]:
        def read(self: Path, *args: Any, **kwargs: Any) -> Any:
            assert self != path, f"{path} was read with Path.{name}"
            return original[name](self, *args, **kwargs)

        return read

    for name in original:
        monkeypatch.setattr(Path, name, guarded(name))
    report = lint([str(path)])
    monkeypatch.undo()
    assert len(report.failures) == 1 and not report.files
    assert "limit" in str(report.failures[0])
    check_report(report, path)


# Known bugs in shared code: each test states the behaviour wanted; strict, so a fix is noticed.


@pytest.mark.parametrize("key", ["1", "null", "1.5", "true"])
def test_a_key_that_is_not_text(key: str, tmp_path: Path) -> None:
    path = tmp_path / "team.rally.yaml"
    path.write_text(f"{key}: x\n" + SMALL_SPEC, encoding="utf-8")
    report = lint([str(path)])
    check_report(report, path)
    assert "RY002" in codes(report)


def test_an_x_key_in_prices(tmp_path: Path) -> None:
    path = tmp_path / "team.rally.yaml"
    path.write_text(SMALL_SPEC.replace("max_usd: 40", "max_usd: 40, prices: {x-note: {}}"), encoding="utf-8")
    check_report(lint([str(path)]), path)


@pytest.mark.parametrize("value", [".nan", ".inf"])
def test_a_number_that_is_not_finite_is_a_schema_violation(value: str, tmp_path: Path) -> None:
    path = tmp_path / "team.rally.yaml"
    path.write_text(SMALL_SPEC.replace("max_usd: 40", f"max_usd: {value}"), encoding="utf-8")
    assert "RY002" in codes(lint([str(path)]))


def test_a_multi_line_value_gives_a_one_line_message(tmp_path: Path) -> None:
    path = tmp_path / "team.rally.yaml"
    path.write_text(SMALL_SPEC.replace("budget: {max_usd: 40}", "budget: |\n  two\n  lines"), encoding="utf-8")
    report = lint([str(path)])
    assert "RY002" in codes(report)
    check_report(report, path)


# ---- random mutations of the example specs -------------------------------------

_yaml = YAML()  # round trip: keeps order, comments and flow style where it can
SOURCES = {path.name: _yaml.load(path.read_text(encoding="utf-8")) for path in EXAMPLES}


def _keys(node: Any) -> set[Any]:
    if isinstance(node, dict):
        return set(node).union(*(_keys(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_keys(item) for item in node))
    return set()


def _scalar_values(node: Any) -> set[Any]:
    if isinstance(node, dict):
        return set().union(*(_scalar_values(value) for value in node.values()))
    if isinstance(node, list):
        return set().union(*(_scalar_values(item) for item in node))
    return {node} if isinstance(node, str | int | float) and len(str(node)) < 40 else set()


KNOWN_KEYS = sorted({str(key) for source in SOURCES.values() for key in _keys(source)})
KNOWN_SCALARS = sorted({str(value) for source in SOURCES.values() for value in _scalar_values(source)})
"""Values the examples use (names, globs, durations, ...): moved elsewhere they keep a spec closer to valid."""

_text = st.text(st.characters(codec="utf-8"), max_size=8)
_scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**7), _text, st.sampled_from(KNOWN_SCALARS))
_values = st.one_of(
    _scalars,
    st.lists(_scalars, max_size=3),
    st.dictionaries(st.sampled_from(KNOWN_KEYS) | _text, _scalars, max_size=2),
)
_new_keys = st.sampled_from(KNOWN_KEYS) | st.text("abcdefghijklmnopqrstuvwxyz-_x0123456789", min_size=1, max_size=4)


def _paths(node: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*path, key))
    elif isinstance(node, list):
        for index, item in enumerate(node):
            found += _paths(item, (*path, index))
    return found


def _at(node: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        node = node[part]
    return node


def _mutate(document: Any, data: st.DataObject) -> Any:
    """One random change at one random place; returns the (possibly replaced) document."""
    path = data.draw(st.sampled_from(_paths(document)), label="path")
    kind = data.draw(st.sampled_from(["delete", "duplicate", "retype", "rename"]), label="mutation")
    if not path:
        return data.draw(_values, label="new document") if kind == "retype" else document
    parent, last = _at(document, path[:-1]), path[-1]
    value = parent[last]
    shared = data.draw(st.booleans(), label="share (dumped as an alias)")
    duplicate = value if shared else copy.deepcopy(value)
    if kind == "delete":
        del parent[last]
    elif kind == "retype":
        parent[last] = data.draw(_values, label="new value")
    elif kind == "duplicate" and isinstance(parent, list):
        parent.insert(last, duplicate)
    elif kind == "duplicate":
        parent[data.draw(_new_keys, label="other key")] = duplicate
    elif isinstance(parent, CommentedMap):  # rename, in place so the order stays
        position = list(parent).index(last)
        del parent[last]
        parent.insert(position, data.draw(_new_keys, label="new name"), value)
    elif isinstance(parent, dict):  # rename in a mapping an earlier mutation made
        parent[data.draw(_new_keys, label="new name")] = parent.pop(last)
    return document


@pytest.fixture(scope="module")
def mutation_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mutations") / "team.rally.yaml"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_mutated_examples_lint_without_crashing(mutation_file: Path, data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(SOURCES)), label="example")
    document = copy.deepcopy(SOURCES[name])
    for _ in range(data.draw(st.integers(1, 3), label="mutations")):
        document = _mutate(document, data)
    stream = io.StringIO()
    _yaml.dump(document, stream)
    text = stream.getvalue()
    mutation_file.write_text(text, encoding="utf-8")

    report = lint([str(mutation_file)])

    assert not report.failures, [str(failure) for failure in report.failures]
    lines = split_lines(text)
    for diagnostic in report.diagnostics:
        check_diagnostic(diagnostic, lines, one_line=False)  # test_a_multi_line_value_gives_a_one_line_message
    _check_fast_path_agrees(text)


def _check_fast_path_agrees(text: str) -> None:
    """The schema fast path gives jsonschema's verdict, on the data lint validates (strings coerced)."""
    try:
        document = load_text(text, "team.rally.yaml")
    except YamlSyntaxError:
        return
    if document.data is not None:
        coerce_strings(document)
    expected = jsonschema.Draft7Validator(team_schema()).is_valid(document.data)
    assert document_is_valid(document.data) == expected, text


@pytest.mark.parametrize(
    "owns",
    ["[src/**, !src/core.py]", "\n      - src/**\n      - !src/{a,b}/*.py", "[src/**, !src/a.py, !src/b.py]"],
)
def test_an_unquoted_exclusion_yaml_cannot_read_says_to_quote_it(owns: str, tmp_path: Path) -> None:
    """A tag that takes the flow list's `]` with it, or a tag YAML refuses: RY001, with the quoting as hint."""
    path = tmp_path / "team.rally.yaml"
    path.write_text(SMALL_SPEC.replace("owns: [src/api/**]", f"owns: {owns}"), encoding="utf-8")
    report = lint([str(path)])
    check_report(report, path)
    (found,) = report.diagnostics
    assert found.code == "RY001" and found.hint is not None and '"!src/core.py"' in found.hint
