"""Read a spec file into plain data with a span for every key, value and item.

ruamel.yaml's round-trip composer gives the node tree with marks; we convert
it ourselves so that scalars follow the YAML 1.2 core schema (dates stay text),
duplicate keys are reported instead of raised, and alias expansion is bounded.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rallyc.bounds import MAX_DIGITS
from rallyc.errors import RallyError
from rallyc.source import Span, YamlPath

MAX_FILE_BYTES = 1 << 20
MAX_DEPTH = 64
MAX_ALIAS_NODES = 10_000
"""Nodes that alias expansion may add: a real spec needs a handful, a billion-laughs file billions."""

_STR_TAG = "tag:yaml.org,2002:str"
_FLOW_TAG = re.compile(r"[\[,]\s*!")
_SURROGATE = re.compile("[\ud800-\udfff]")
_INT = re.compile(r"[-+]?[0-9]+\Z")
_OCT = re.compile(r"0o[0-7]+\Z")
_HEX = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?\Z")
_SPECIAL = {
    **dict.fromkeys(("", "~", "null", "Null", "NULL"), None),
    **dict.fromkeys(("true", "True", "TRUE"), True),
    **dict.fromkeys(("false", "False", "FALSE"), False),
}


class YamlSyntaxError(RallyError):
    """The file is not YAML we can use (RY001)."""


@dataclass(frozen=True, slots=True)
class NodeInfo:
    """Where one node of the document sits."""

    value: Span
    key: Span | None = None
    quoted: bool = False
    """The scalar was written quoted, so its text starts one column after `value`."""
    tagged: bool = False
    """The scalar carries a local tag (`- !src/core.py`): its value is the text as written, tag and all."""


@dataclass(frozen=True, slots=True)
class DuplicateKey:
    key: str
    first: Span
    second: Span


@dataclass(slots=True)
class Document:
    """A loaded spec: plain data plus where every part of it came from."""

    file: str
    text: str
    data: Any
    nodes: dict[YamlPath, NodeInfo]
    plain_text: dict[YamlPath, str] = field(default_factory=dict)
    """The text of plain scalars that resolved to something other than a string."""
    duplicates: list[DuplicateKey] = field(default_factory=list)

    def span(self, path: YamlPath) -> Span:
        """The span of the value at `path`, or of its closest ancestor."""
        info = self.node(path)
        return info.value if info else Span.point(self.file)

    def key_span(self, path: YamlPath) -> Span:
        """The span of the key that holds `path` (the value for list items)."""
        info = self.node(path)
        if info is None:
            return Span.point(self.file)
        return info.key or info.value

    def node(self, path: YamlPath) -> NodeInfo | None:
        while path not in self.nodes and path:
            path = path[:-1]
        return self.nodes.get(path)


def read_text(path: Path, display: str, max_bytes: int = MAX_FILE_BYTES) -> str:
    """The file's text; unusable files raise RallyError, bad encodings YamlSyntaxError."""
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise RallyError(f"{display}: is a directory, not a spec file")
        if size > max_bytes:
            raise RallyError(f"{display}: {size:,} bytes is over the {max_bytes:,}-byte limit for a spec")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RallyError(f"{display}: no such file") from None
    except OSError as error:
        raise RallyError(f"{display}: cannot read ({error.strerror})") from None
    return decode(raw, display)


def decode(raw: bytes, display: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        before = raw[: error.start]
        line = before.count(b"\n") + 1
        column = len(before[before.rfind(b"\n") + 1 :].decode("utf-8", "replace")) + 1
        raise YamlSyntaxError(
            f"not valid UTF-8: byte 0x{raw[error.start]:02x} cannot start a character",
            Span.point(display, line, column),
            hint="save the file as UTF-8",
        ) from None


def compose(text: str) -> Any:
    """ruamel's node tree of `text` (nodes carry their marks), nested at most MAX_DEPTH levels.

    An anchor defined again is valid YAML 1.2 (an alias means the latest one), so ruamel's
    ReusedAnchorWarning is silenced rather than printed on stderr by every command.
    """
    import warnings

    from ruamel.yaml import YAML
    from ruamel.yaml.error import ReusedAnchorWarning

    yaml = YAML(typ="rt")
    yaml.max_depth = MAX_DEPTH
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ReusedAnchorWarning)
        return yaml.compose(text)


def load_text(text: str, display: str) -> Document:
    """Parse `text`; YAML errors and limits raise YamlSyntaxError with the parser's position."""
    from ruamel.yaml.error import MarkedYAMLError, YAMLError
    from ruamel.yaml.reader import ReaderError

    try:
        root = compose(text)
    except MarkedYAMLError as error:
        raise _syntax_error(error, display, text) from None
    except ReaderError as error:
        before = text[: error.position]
        line, column = before.count("\n") + 1, error.position - before.rfind("\n")
        raise YamlSyntaxError(
            f"the character U+{error.character:04X} is not allowed in YAML",
            Span.point(display, line, column),
            hint="remove it, or write it as an escape inside a double-quoted string",
        ) from None
    except YAMLError as error:  # ruamel's unmarked errors still deserve a location
        raise YamlSyntaxError(f"invalid YAML: {error}", Span.point(display)) from None
    document = Document(display, text, None, {})
    if root is not None:
        document.data = _Converter(document).convert(root, (), None)
    return document


def _about_a_tag(error: Any, text: str) -> bool:
    """The error comes from a `!` read as a tag: named in the message, or one starting a flow item
    (`[src/**, !src/core.py]`: the tag takes the `]` with it and the list never closes)."""
    if "tag" in f"{error.context} {error.problem}":
        return True
    lines = text.splitlines()
    marks = (mark for mark in (error.context_mark, error.problem_mark) if mark and mark.line < len(lines))
    return any(_FLOW_TAG.search(lines[mark.line]) for mark in marks)


def _syntax_error(error: Any, display: str, text: str) -> YamlSyntaxError:
    mark = error.problem_mark or error.context_mark
    span = Span.point(display, mark.line + 1, mark.column + 1) if mark else Span.point(display)
    problem = error.problem or error.context or "invalid YAML"
    if "maximum depth" in problem:
        problem, hint = f"nested deeper than {MAX_DEPTH} levels", "a spec needs fewer than ten levels"
    elif "'\\t'" in problem:
        problem, hint = "a tab character where YAML allows only spaces", "indent with spaces"
    elif _about_a_tag(error, text):
        hint = 'a plain `!` starts a YAML tag: quote a glob list\'s exclusions (`- "!src/core.py"`)'
    else:
        hint = None
    return YamlSyntaxError(problem, span, hint=hint)


class _Converter:
    """Node tree -> plain data, recording spans, duplicate keys and plain texts."""

    def __init__(self, document: Document) -> None:
        self.document = document
        self.alias_budget = MAX_ALIAS_NODES
        self.seen: set[int] = set()
        self.active: set[int] = set()
        """The collections being converted: an alias to one of them is a node inside itself."""

    def span(self, node: Any) -> Span:
        start, end = node.start_mark, node.end_mark
        return Span(self.document.file, start.line + 1, start.column + 1, end.line + 1, end.column + 1)

    def enter(self, node: Any) -> None:
        """The guards every node passes, merged mappings too: no alias inside its own node, bounded expansion."""
        ident = id(node)
        if ident in self.active:
            raise YamlSyntaxError("an alias refers to the node that contains it", self.alias_span(node))
        if ident in self.seen:
            self.alias_budget -= 1
            if self.alias_budget < 0:
                raise YamlSyntaxError(
                    f"aliases expand to more than {MAX_ALIAS_NODES:,} nodes",
                    self.span(node),
                    hint="a spec does not need deeply nested aliases; write the values out",
                )
        self.seen.add(ident)

    @contextmanager
    def inside(self, node: Any) -> Iterator[None]:
        self.active.add(id(node))
        try:
            yield
        finally:
            self.active.discard(id(node))

    def alias_span(self, node: Any) -> Span:
        """Where an alias of `node` is written inside it: the composer keeps no place for aliases, the events do."""
        from ruamel.yaml import YAML
        from ruamel.yaml.events import AliasEvent

        start, end = node.start_mark.index, node.end_mark.index
        for event in YAML(typ="rt").parse(self.document.text):
            if isinstance(event, AliasEvent) and event.anchor == node.anchor and start <= event.start_mark.index < end:
                return self.span(event)
        return self.span(node)

    def convert(self, node: Any, path: YamlPath, key: Span | None) -> Any:
        self.enter(node)
        kind = node.id
        quoted, tagged = kind == "scalar" and node.style in ("'", '"'), kind == "scalar" and _local_tag(node)
        self.document.nodes[path] = NodeInfo(self.span(node), key, quoted, tagged)
        if kind == "scalar":
            return self.scalar(node, path)
        with self.inside(node):
            if kind == "sequence":
                return [self.convert(item, (*path, index), None) for index, item in enumerate(node.value)]
            return self.mapping(node, path)

    def scalar(self, node: Any, path: YamlPath) -> Any:
        self.unicode(node)
        if _local_tag(node):  # `- !src/core.py` was meant as text: keep it, build.py reports the tag
            return " ".join(part for part in (str(node.tag), node.value) if part)
        if node.style == ">":
            return node.value.replace("\a", "")  # ruamel marks each fold of a folded scalar with BEL
        if node.style is not None or node.tag == _STR_TAG:
            return node.value
        value = resolve_plain(node.value)
        if not isinstance(value, str):
            self.document.plain_text[path] = node.value
        return value

    def unicode(self, node: Any) -> None:
        """A `\\uD800`-`\\uDFFF` escape in a quoted scalar is half a character: no file or prompt can hold it."""
        found = _SURROGATE.search(node.value)
        if found:
            raise YamlSyntaxError(
                f"not valid Unicode: the escape \\u{ord(found.group()):04X} is half of a surrogate pair",
                self.span(node),
                hint="write the character itself, or its 8-digit \\U escape (\\U0001F600 for one above U+FFFF)",
            )

    def mapping(self, node: Any, path: YamlPath) -> dict[Any, Any]:
        result: dict[Any, Any] = {}
        first_seen: dict[Any, Span] = {}
        for key_node, value_node in node.value:
            if key_node.id != "scalar":
                raise YamlSyntaxError("a mapping key must be a plain value, not a list or mapping", self.span(key_node))
            self.unicode(key_node)
            key = str(key_node.value)  # JSON keys are text: `1:` or `null:` is the key "1" or "null"
            key_span = self.span(key_node)
            if key == "<<" and key_node.style is None:
                self.merge(result, value_node, path)
                continue
            if key in first_seen:
                self.document.duplicates.append(DuplicateKey(str(key), first_seen[key], key_span))
                continue
            first_seen[key] = key_span
            result[key] = self.convert(value_node, (*path, key), key_span)
        return result

    def merge(self, result: dict[Any, Any], value: Any, path: YamlPath) -> None:
        """YAML merge keys (`<<: *base`): keys written in the mapping win over merged ones."""
        sources = value.value if value.id == "sequence" else [value]
        for source in sources:
            if source.id != "mapping":
                raise YamlSyntaxError("a merge key (<<) takes a mapping or a list of mappings", self.span(source))
            self.enter(source)
            with self.inside(source):
                merged = self.mapping(source, path)
            for key, item in merged.items():
                result.setdefault(key, item)


def _local_tag(node: Any) -> bool:
    """A tag written `!name` (the core schema's own tags resolve to `tag:yaml.org,2002:...`)."""
    return str(node.tag).startswith("!")


def resolve_plain(text: str) -> Any:
    """A plain scalar under the YAML 1.2 core schema (timestamps are not a type there).

    Infinity and NaN stay text: a spec is JSON-shaped data, and JSON has no such numbers.
    """
    if text in _SPECIAL:
        return _SPECIAL[text]
    for pattern, start, base in ((_INT, 0, 10), (_OCT, 2, 8), (_HEX, 2, 16)):
        if pattern.match(text):
            # digits counted before int() (leading zeros too are digits to it): a number past MAX_DIGITS stays text
            digits = text[start:].lstrip("+-").lstrip("0") or "0"
            sign = "-" if text.startswith("-") else ""
            return int(sign + digits, base) if len(digits) <= MAX_DIGITS else text
    if _FLOAT.match(text) and math.isfinite(number := float(text)):
        return number
    return text  # `.inf`, `.nan` and overflowing floats are no JSON numbers: the schema reports them as text
