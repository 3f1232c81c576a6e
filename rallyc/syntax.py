"""The mini-languages (globs, durations, token counts, references) as small typed values.

`grammar/rally.lark` holds the grammar; this module turns its trees into values
and its errors into `PatternError`s whose columns count from the start of the
text, so callers can place them inside the YAML scalar.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any, TypeAlias

from rallyc.bounds import MAX_SECONDS, MAX_TOKENS

if TYPE_CHECKING:
    from lark import Lark

_MAX_COUNT_DIGITS = 20
"""Digits a duration or token count may have before int() or float() is asked: more is past any bound."""


class PatternError(Exception):
    """A value that breaks its mini-language; `column` is 1-based within the text."""

    def __init__(
        self, message: str, column: int = 1, width: int = 1, hint: str | None = None, replacement: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.column = column
        self.width = width
        self.hint = hint
        self.replacement = replacement
        """The whole text as the hint suggests it, when that parses (`src/**.py` -> `src/**/*.py`): `--fix` uses it."""


# ---- glob syntax tree: what the glob algebra works on -----------------------


@dataclass(frozen=True, slots=True)
class Literal:
    """Characters matched as written (may include `/`)."""

    text: str


@dataclass(frozen=True, slots=True)
class AnyRun:
    """`*`: any run of characters other than `/`, possibly empty."""


@dataclass(frozen=True, slots=True)
class AnyChar:
    """`?`: one character other than `/`."""


@dataclass(frozen=True, slots=True)
class CharClass:
    """`[a-z]` or `[!a-z]`: one character (never `/`) in, or not in, the ranges."""

    negated: bool
    ranges: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class AnyDirs:
    """`**/`: zero or more whole segments, each with its trailing `/`."""


@dataclass(frozen=True, slots=True)
class AnyPath:
    """A `**` that ends the pattern (or an alternative): one or more whole segments."""


@dataclass(frozen=True, slots=True)
class Choice:
    """`{a,b/c}`: any one of the alternatives; they may hold `/` and nest."""

    alternatives: tuple[tuple[GlobNode, ...], ...]


GlobNode: TypeAlias = Literal | AnyRun | AnyChar | CharClass | AnyDirs | AnyPath | Choice


@dataclass(frozen=True, slots=True)
class Glob:
    """A parsed glob: the text as written and its syntax tree."""

    text: str
    nodes: tuple[GlobNode, ...]

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True, slots=True)
class Reference:
    """An `after` entry: a task id, or every task of a teammate (`name.*`)."""

    name: str
    all_tasks: bool

    def __str__(self) -> str:
        return f"{self.name}.*" if self.all_tasks else self.name


# ---- parsers ------------------------------------------------------------------

_START = ("glob", "duration", "tokens", "reference")
_UNIT_SECONDS = {"h": 3600, "m": 60, "s": 1}
_TOKEN_SCALE = {"k": 1_000, "K": 1_000, "M": 1_000_000}


@cache
def _parser() -> Lark:
    from lark import Lark

    grammar = files("rallyc").joinpath("grammar", "rally.lark").read_text(encoding="utf-8")
    # cache=True keeps the built tables in the temp folder: lint runs on every commit
    return Lark(grammar, parser="lalr", start=list(_START), cache=True)


def _parse(text: str, start: str) -> Any:
    from lark.exceptions import UnexpectedInput

    try:
        return _parser().parse(text, start=start)
    except UnexpectedInput as error:
        column = max(error.column, 1)
        if start == "glob":
            raise _glob_error(text, column) from None
        raise PatternError(_describe(text, start, column), column) from None


def _describe(text: str, start: str, column: int) -> str:
    found = text[column - 1 : column] or "the end"
    if start == "duration":
        return f"not a duration: unexpected {found!r} (write 90s, 15m, 2h or 1h30m; units h, m, s in that order)"
    if start == "tokens":
        return f"not a token count: unexpected {found!r} (write 250000, 250k or 1.5M)"
    return f"not a reference: unexpected {found!r} (write a task id like api-routes, or teammate.* for all its tasks)"


def _glob_error(text: str, column: int) -> PatternError:
    char = text[column - 1 : column]
    if char == "[":
        return PatternError("unclosed `[`: a class needs a closing `]`, cannot be empty and cannot hold `/`", column)
    if char == "\\":
        return PatternError("a trailing `\\` escapes nothing", column)
    open_braces = [index for index, char in enumerate(text) if char == "{"]
    if len(open_braces) > text.count("}"):
        return PatternError("unclosed `{`: alternatives need a closing `}`", open_braces[-1] + 1)
    return PatternError(f"unexpected {char or 'end'!r} in a glob", column)


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
        tree = _parse(body, "glob")
        _Segments(text).check(tree.children, True, True)
        return Glob(text, _nodes(tree.children))
    except PatternError as error:
        error.column += offset
        raise


class _Segments:
    """Checks that need segment boundaries, walking into braces: an alternative starts
    (ends) a segment only when its brace group does, so `a{**}` and `a/{/b,c}` are caught."""

    def __init__(self, text: str) -> None:
        self.text = text

    def check(self, items: list[Any], left: bool, right: bool) -> None:
        segment: list[str] | None = [] if left else None  # literal text of a segment that starts at a boundary
        start = _column(items[0]) if items else 1
        for index, item in enumerate(items):
            at_start = left if index == 0 else _is_slash(items[index - 1])
            at_end = right if index == len(items) - 1 else _is_slash(items[index + 1])
            column = _column(item)
            if hasattr(item, "children"):  # braces
                for alternative in (child for child in item.children if hasattr(child, "children")):
                    if not alternative.children and at_start and at_end:
                        raise PatternError("an empty alternative here makes an empty segment", column)
                    self.check(alternative.children, at_start, at_end)
                segment = None
            elif item.type == "GLOBSTAR":
                if not (at_start and at_end):
                    fixed = suggest_globstar(self.text)
                    hint = f"did you mean `{fixed}`?" if fixed != self.text else "write `**` between slashes"
                    replacement = fixed if fixed != self.text and _settled(fixed) else None
                    raise PatternError(
                        "`**` must be a whole segment; inside a segment it is ambiguous", column, 2, hint, replacement
                    )
                segment = None
            elif item.type == "SLASH":
                if at_start:
                    raise PatternError("an empty segment (`//`) matches no path", column)
                self._dots(segment, start)
                segment, start = [], column + 1
            elif item.type in ("LITERAL", "ESCAPE", "COMMA", "RBRACE"):
                if segment is not None:
                    segment.append(item.value[1:] if item.type == "ESCAPE" else item.value)
            else:
                segment = None
        if right:
            self._dots(segment, start)

    def _dots(self, segment: list[str] | None, column: int) -> None:
        name = "".join(segment) if segment is not None else None
        if name in (".", ".."):
            raise PatternError(f"a `{name}` segment: globs name paths inside the repository", column, len(name))


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
            slash_next = following is not None and getattr(following, "type", "") == "SLASH"
            nodes.append(AnyDirs() if slash_next else AnyPath())
        elif kind == "SLASH" and nodes and isinstance(nodes[-1], AnyDirs) and items[index - 1].type == "GLOBSTAR":
            continue  # the slash belongs to `**/`
        elif kind == "STAR":
            nodes.append(AnyRun())
        elif kind == "QMARK":
            nodes.append(AnyChar())
        elif kind == "CLASS":
            nodes.append(_char_class(value, child.column or 1))
        else:
            _append_literal(nodes, value[1:] if kind == "ESCAPE" else value)
    return tuple(nodes)


def _append_literal(nodes: list[GlobNode], text: str) -> None:
    if nodes and isinstance(nodes[-1], Literal):
        nodes[-1] = Literal(nodes[-1].text + text)
    else:
        nodes.append(Literal(text))


def _char_class(text: str, column: int) -> CharClass:
    """`[!a-z\\]]`: `!` first negates (unless it is all there is), `\\` escapes, an unescaped `-` makes a range."""
    body = text[1:-1]
    negated = body.startswith("!") and len(body) > 1
    items = re.findall(r"\\.|.", body[1:] if negated else body, re.S)  # escaped chars keep their backslash
    ranges: list[tuple[str, str]] = []
    index = 0
    while index < len(items):
        if index + 2 < len(items) and items[index + 1] == "-":
            low, high = items[index][-1], items[index + 2][-1]
            if low > high:
                raise PatternError(f"the class range `{low}-{high}` is reversed", column, len(text))
            ranges.append((low, high))
            index += 3
        else:
            ranges.append((items[index][-1], items[index][-1]))
            index += 1
    return CharClass(negated, tuple(ranges))


def parse_duration(value: str | int) -> int:
    """Seconds, from `90s`, `15m`, `2h`, `1h30m` or a bare integer; more than zero, at most MAX_SECONDS."""
    text = str(value)
    tree = _parse(text, "duration")
    too_long = PatternError(f"more than ten years ({MAX_SECONDS // 3600}h): beyond any plan", 1, len(text))
    seconds = 0
    for token in tree.children:
        digits = (token.value if token.type == "SECONDS_ONLY" else token.value[:-1]).lstrip("0") or "0"
        if len(digits) > _MAX_COUNT_DIGITS:  # counted before int(), which has its own limit
            raise too_long
        seconds += int(digits) * (1 if token.type == "SECONDS_ONLY" else _UNIT_SECONDS[token.value[-1]])
    if seconds <= 0:
        raise PatternError("a duration must be longer than zero", 1, len(text))
    if seconds > MAX_SECONDS:
        raise too_long
    return seconds


def parse_tokens(value: str | int) -> int:
    """A token count, from `250000`, `250k` or `1.5M`; more than zero, at most MAX_TOKENS."""
    text = str(value)
    token = _parse(text, "tokens").children[0].value
    scale = _TOKEN_SCALE.get(token[-1], 1)
    number = (token[:-1] if scale > 1 else token).lstrip("0") or "0"
    too_many = PatternError(f"more than {MAX_TOKENS // 10**6}M tokens: beyond any plan", 1, len(text))
    if len(number.split(".")[0]) > _MAX_COUNT_DIGITS:  # whole digits counted before float() or int() see them
        raise too_many
    count = round(float(number) * scale) if scale > 1 else int(number)
    if count <= 0:
        raise PatternError("a token count must be more than zero", 1, len(text))
    if count > MAX_TOKENS:
        raise too_many
    return count


def parse_reference(text: str) -> Reference:
    """`api-routes` (a task) or `models.*` (every task of teammate `models`)."""
    tree = _parse(text, "reference")
    return Reference(tree.children[0].value, len(tree.children) > 1)
