"""Globs as written -> `Glob` trees: the grammar's tokens, then the checks a grammar states badly.

`grammar/rally.lark` tokenises and nests; this module checks segments (an absolute glob, `.` and
`..`, empty segments, `**` inside a segment), braces (nesting depth, a single alternative) and
classes (`rallyc.charclass`), and turns the tree into `GlobNode`s. A list's items that start with
`!` are exclusions (`parse_item`, `with_exclusions`). Every error is a `PatternError` whose column
counts from the start of the text as written.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any

from rallyc.charclass import ClassError, class_ranges
from rallyc.syntax import (
    AnyChar,
    AnyDirs,
    AnyPath,
    AnyRun,
    CharClass,
    Choice,
    Glob,
    GlobNode,
    Literal,
    PatternError,
    parse_tree,
)

EXCLUDE = "!"
"""A list item that starts with this removes paths from the list (docs/language.md, "Exclusions in glob lists")."""

MAX_BRACE_DEPTH = 16
"""Braces nested deeper than this are an error: every layer (parser, automata, matcher) walks the
tree recursively, and a real glob nests two or three levels at most."""

_CLASS = re.compile(r"\[[!^]?+(?>\[:[^\]]*:\]|\\.|[^\\/])(?>\[:[^\]]*:\]|\\.|[^\]\\/])*+\]", re.S)
"""The grammar's CLASS token: braces inside a class are characters, not nesting."""


def parse_glob(text: str) -> Glob:
    """Parse and check a glob; a leading `./` is dropped and a trailing `/` means `/**`."""
    offset = 0
    while text.startswith("./", offset):
        offset += 2
    body = text[offset:]
    if body.startswith("/"):
        raise PatternError("a glob is relative to the repository root: it cannot start with `/`", offset + 1)
    if not body:
        raise PatternError("an empty glob matches nothing", 1, max(len(text), 1))
    if body.endswith("/") and _unescaped_end(body):
        body += "**"
    try:
        _check_depth(body)
        tree = parse_tree(body, "glob", _glob_error)
        _Segments(text, body).check(tree.children, True, True)
        return Glob(text, _nodes(tree.children))
    except PatternError as error:
        error.column += offset
        raise


def escape_glob(text: str) -> str:
    """A path as a glob that matches it alone: every character a glob reads as syntax escaped."""
    return re.sub(r"([*?\[\]{}\\,!])", r"\\\1", text)


def parse_item(text: str) -> tuple[bool, Glob]:
    """One item of a glob list: whether it is an exclusion (`!src/core.py`), and its glob without the `!`."""
    if not text.startswith(EXCLUDE):
        return False, parse_glob(text)
    try:
        return True, parse_glob(text[len(EXCLUDE) :])
    except PatternError as error:
        error.column += len(EXCLUDE)
        raise


def with_exclusions(plain: Iterable[Glob], excluded: Sequence[Glob]) -> tuple[Glob, ...]:
    """The plain globs of a list, each carrying the list's exclusions."""
    return tuple(replace(glob, excluded=tuple(excluded)) for glob in plain)


def parse_glob_list(texts: Sequence[str]) -> tuple[Glob, ...]:
    """A glob list as written (plan.json keeps the `!` items): its plain globs, minus its exclusions.

    PatternError for a bad item or a list of only exclusions (the linter reports both as RY004).
    """
    items = [parse_item(text) for text in texts]
    plain = [glob for excluded, glob in items if not excluded]
    if texts and not plain:
        raise PatternError(ONLY_EXCLUSIONS, 1, len(texts[0]))
    return with_exclusions(plain, [glob for excluded, glob in items if excluded])


ONLY_EXCLUSIONS = "a list of only exclusions matches nothing: `!` items remove paths from the list's other globs"


def _check_depth(text: str) -> None:
    """Braces nested deeper than MAX_BRACE_DEPTH, found in one pass before anything recurses."""
    depth, index = 0, 0
    while index < len(text):
        char = text[index]
        found = _CLASS.match(text, index) if char == "[" else None
        if found:
            index = found.end()
            continue
        if char == "{":
            depth += 1
            if depth > MAX_BRACE_DEPTH:
                raise PatternError(f"braces nested deeper than {MAX_BRACE_DEPTH} levels", index + 1)
        elif char == "}":
            depth = max(depth - 1, 0)
        index += 2 if char == "\\" else 1


def _glob_error(text: str, column: int) -> PatternError:
    char = text[column - 1 : column]
    if char == "[":
        return PatternError(
            "unclosed `[`: a class needs a closing `]` after at least one member (a `]` first is a member), "
            "and cannot hold `/`",
            column,
        )
    if char == "\\":
        return PatternError("a trailing `\\` escapes nothing", column)
    open_braces = [index for index, char in enumerate(text) if char == "{"]
    if len(open_braces) > text.count("}"):
        return PatternError("unclosed `{`: alternatives need a closing `}`", open_braces[-1] + 1)
    return PatternError(f"unexpected {char or 'end'!r} in a glob", column)


class _Segments:
    """Checks that need segment boundaries, walking into braces: an alternative starts
    (ends) a segment only when its brace group does, so `a{**}` and `a/{/b,c}` are caught."""

    def __init__(self, text: str, body: str) -> None:
        self.text = text
        """As written, for suggestions."""
        self.body = body
        """What the grammar parsed: token positions index it."""

    def check(self, items: list[Any], left: bool, right: bool) -> None:
        segment: list[str] | None = [] if left else None  # literal text of a segment that starts at a boundary
        start = _column(items[0]) if items else 1
        for index, item in enumerate(items):
            at_start = left if index == 0 else _is_slash(items[index - 1])
            at_end = right if index == len(items) - 1 else _is_slash(items[index + 1])
            column = _column(item)
            if hasattr(item, "children"):  # braces
                self._braces(item, at_start, at_end)
                segment = None
            elif item.type == "GLOBSTAR":
                if not (at_start and at_end):
                    raise self._globstar_error(column)
                segment = None
            elif item.type == "SLASH":
                _slash(item, at_start, right and index == len(items) - 1, column)
                self._dots(segment, start)
                segment, start = [], column + len(item.value)
            elif item.type in ("LITERAL", "ESCAPE", "COMMA", "RBRACE"):
                if segment is not None:
                    segment.append(item.value[1:] if item.type == "ESCAPE" else item.value)
            else:
                segment = None
        if right:
            self._dots(segment, start)

    def _braces(self, item: Any, at_start: bool, at_end: bool) -> None:
        alternatives = [child for child in item.children if hasattr(child, "children")]
        column = _column(item)
        if len(alternatives) == 1:
            inner = self.body[item.children[0].end_pos : item.children[-1].start_pos]
            raise PatternError(
                f"`{{{inner}}}` has one alternative: braces choose between several (`{{a,b}}`)",
                column,
                hint=f"to name the characters, escape them: `\\{{{inner}\\}}`",
            )
        for alternative in alternatives:
            if not alternative.children and at_start and at_end:
                raise PatternError("an empty alternative here makes an empty segment", column)
            self.check(alternative.children, at_start, at_end)

    def _globstar_error(self, column: int) -> PatternError:
        fixed = suggest_globstar(self.text)
        hint = f"did you mean `{fixed}`?" if fixed != self.text else "write `**` between slashes"
        replacement = fixed if fixed != self.text and _settled(fixed) else None
        return PatternError("`**` must be a whole segment; inside a segment it is ambiguous", column, 2, hint, replacement)

    def _dots(self, segment: list[str] | None, column: int) -> None:
        name = "".join(segment) if segment is not None else None
        if name in (".", ".."):
            raise PatternError(f"a `{name}` segment: globs name paths inside the repository", column, len(name))


def _slash(item: Any, at_start: bool, last: bool, column: int) -> None:
    """A `/` (or an escaped `\\/`, which is one too) needs a segment on each side."""
    if at_start and column == 1:
        raise PatternError("a glob is relative to the repository root: it cannot start with `/`", column, len(item.value))
    if at_start:
        raise PatternError("an empty segment (`//`) matches no path", column, len(item.value))
    if last:
        raise PatternError("an escaped `/` at the end leaves an empty last segment: no path ends with `/`", column, 2)


def _unescaped_end(text: str) -> bool:
    """The last character is not escaped: an even number of backslashes precede it."""
    before = text[:-1]
    return (len(before) - len(before.rstrip("\\"))) % 2 == 0


def _is_slash(item: Any) -> bool:
    return getattr(item, "type", None) == "SLASH"


def _column(item: Any) -> int:
    while hasattr(item, "children"):
        item = item.children[0]
    return int(item.column or 1)


def _settled(text: str) -> bool:
    """A suggested glob is offered as a fix only when it parses (checked once: it suggests nothing itself)."""
    if suggest_globstar(text) != text:
        return False
    try:
        parse_glob(text)
    except PatternError:
        return False
    return True


def suggest_globstar(text: str) -> str:
    """`src/**.py` -> `src/**/*.py`, `src**/x` -> `src*/**/x`."""
    fixed = re.sub(r"(?<=[^/{,])\*\*", "*/**", text)
    return re.sub(r"\*\*(?=[^/},])", "**/*", fixed)


def _nodes(children: list[Any]) -> tuple[GlobNode, ...]:
    nodes: list[GlobNode] = []
    items = list(children)
    taken = -1  # a slash after braces that their alternatives took over
    for index, child in enumerate(items):
        following = items[index + 1] if index + 1 < len(items) else None
        if index == taken:
            continue
        if hasattr(child, "children"):  # braces
            alternatives = [alt.children for alt in child.children if hasattr(alt, "children")]
            if _is_slash(following) and any(alt and getattr(alt[-1], "type", "") == "GLOBSTAR" for alt in alternatives):
                # `{a,**}/b` means `a/b` or `**/b`: each alternative takes the slash, so `**/` may be zero segments
                alternatives, taken = [[*alt, following] for alt in alternatives], index + 1
            nodes.append(Choice(tuple(_nodes(alt) for alt in alternatives)))
            continue
        kind, value = child.type, child.value
        if kind == "GLOBSTAR":
            nodes.append(AnyDirs() if _is_slash(following) else AnyPath())
        elif kind == "SLASH" and nodes and isinstance(nodes[-1], AnyDirs) and items[index - 1].type == "GLOBSTAR":
            continue  # the slash belongs to `**/`
        elif kind == "STAR":
            nodes.append(AnyRun())
        elif kind == "QMARK":
            nodes.append(AnyChar())
        elif kind == "CLASS":
            nodes.append(_char_class(value, child.column or 1))
        else:
            _append_literal(nodes, "/" if kind == "SLASH" else value[1:] if kind == "ESCAPE" else value)
    return tuple(nodes)


def _append_literal(nodes: list[GlobNode], text: str) -> None:
    if nodes and isinstance(nodes[-1], Literal):
        nodes[-1] = Literal(nodes[-1].text + text)
    else:
        nodes.append(Literal(text))


def _char_class(text: str, column: int) -> CharClass:
    try:
        negated, ranges = class_ranges(text)
    except ClassError as error:
        raise PatternError(str(error), column, len(text)) from None
    return CharClass(negated, ranges)
