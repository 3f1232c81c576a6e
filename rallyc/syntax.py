"""The mini-languages (globs, durations, token counts, references) as small typed values.

`grammar/rally.lark` holds the grammar; this module holds the glob syntax tree,
turns the other languages' trees into values, and their errors into
`PatternError`s whose columns count from the start of the text, so callers can
place them inside the YAML scalar. Globs are parsed and checked in
`rallyc.globparse`.
"""

from __future__ import annotations

from collections.abc import Callable
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
    """A parsed glob: the text as written and its syntax tree, minus the `!` items of its list.

    A list's exclusions belong to every plain glob of it (`owns: [src/**, lib/**, "!src/core.py"]`
    holds `src/**` minus `src/core.py` and `lib/**` minus `src/core.py`): each glob then means
    exactly what it contributes to the list, and pairwise questions decide on the difference.
    """

    text: str
    nodes: tuple[GlobNode, ...]
    excluded: tuple[Glob, ...] = ()
    """Paths any of these match are not matched (their texts are written without the `!`)."""

    def __str__(self) -> str:
        return self.text

    @property
    def key(self) -> str:
        """Equal for globs that match the same text the same way: the text, and the exclusions' texts."""
        return "\0!".join((self.text, *sorted(excluded.text for excluded in self.excluded)))

    @property
    def shown(self) -> str:
        """The glob for messages: `src/** (except src/core.py)`."""
        if not self.excluded:
            return self.text
        return f"{self.text} (except {', '.join(excluded.text for excluded in self.excluded)})"


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


def parse_tree(text: str, start: str, error: Callable[[str, int], PatternError] | None = None) -> Any:
    """The lark tree of `text` from start symbol `start`; a syntax error becomes `error(text, column)`."""
    from lark.exceptions import UnexpectedInput

    try:
        return _parser().parse(text, start=start)
    except UnexpectedInput as raised:
        column = max(raised.column, 1)
        if error is not None:
            raise error(text, column) from None
        raise PatternError(_describe(text, start, column), column) from None


def _describe(text: str, start: str, column: int) -> str:
    found = text[column - 1 : column] or "the end"
    if start == "duration":
        return f"not a duration: unexpected {found!r} (write 90s, 15m, 2h or 1h30m; units h, m, s in that order)"
    if start == "tokens":
        return f"not a token count: unexpected {found!r} (write 250000, 250k or 1.5M)"
    return f"not a reference: unexpected {found!r} (write a task id like api-routes, or teammate.* for all its tasks)"


def parse_duration(value: str | int) -> int:
    """Seconds, from `90s`, `15m`, `2h`, `1h30m` or a bare integer; more than zero, at most MAX_SECONDS."""
    text = str(value)
    tree = parse_tree(text, "duration")
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
    token = parse_tree(text, "tokens").children[0].value
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
    tree = parse_tree(text, "reference")
    return Reference(tree.children[0].value, len(tree.children) > 1)
