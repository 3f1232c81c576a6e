"""Edits of YAML text at the places ruamel's composer marks, keeping every other byte as it was.

`rallyc lint --fix` changes a spec through these, never by serialising it again: replacing one scalar
in its own quoting style, adding an entry to a mapping or an item to a list in the collection's own
flow or block style, indentation and line endings.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rallyc.load import resolve_plain
from rallyc.source import YamlPath

_BREAK = re.compile(r"\r\n|\r|\n")
_ITEM_PREFIX = re.compile(r" *- +")
_PLAIN_ITEM = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]*")
"""Text that is safe as a plain item in block and flow lists alike (`!`, `*`, `[`, `{`, `,` are not)."""


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace the characters `start` to `end` (an index range of the text; equal to insert) by `text`."""

    start: int
    end: int
    text: str


def compose(text: str) -> Any:
    """ruamel's node tree of `text`, every node with its start and end marks (character indexes)."""
    from rallyc.load import compose as compose_text

    return compose_text(text)


def entry(root: Any, path: YamlPath) -> tuple[Any, Any, Any] | None:
    """(parent node, key node or None, node) at `path`, through written keys only (not `<<` merges)."""
    parent, key, node = None, None, root
    for part in path:
        if isinstance(part, int):
            if node is None or node.id != "sequence" or part >= len(node.value):
                return None
            parent, key, node = node, None, node.value[part]
            continue
        if node is None or node.id != "mapping":
            return None
        found = [(k, v) for k, v in node.value if k.id == "scalar" and str(k.value) == part and k.value != "<<"]
        if not found:
            return None
        parent, (key, node) = node, found[0]
    return parent, key, node


def scalar_source(text: str, node: Any, value: str) -> str | None:
    """`value` written in the style of the scalar `node`, when the node is written simply in that style."""
    source = text[node.start_mark.index : node.end_mark.index]
    if node.style is None and str(node.tag).startswith("!"):  # `- !src/core.py` was meant as text: quote it
        return json.dumps(value, ensure_ascii=False)
    if node.style is None and source == node.value:
        return value
    if node.style == "'" and source == "'" + node.value.replace("'", "''") + "'":
        return "'" + value.replace("'", "''") + "'"
    if node.style == '"' and source == f'"{node.value}"' and not set('\\"') & set(node.value + value):
        return f'"{value}"'
    return None


def item_source(value: str) -> str:
    """`value` as a new list item: plain when YAML reads it back as that text, else double-quoted."""
    if _PLAIN_ITEM.fullmatch(value) and resolve_plain(value) == value:
        return value
    return json.dumps(value, ensure_ascii=False)


def newline(text: str) -> str:
    """The file's own line break (its first one), for the lines an edit adds."""
    found = _BREAK.search(text)
    return found.group() if found else "\n"


def line_after(text: str, node: Any, lines: Sequence[str]) -> Edit | None:
    """Insert `lines` as lines of their own after the line `node` ends on (a comment there stays put).

    Several lines come out exactly as inserting them one at a time, each after the one before, would.
    """
    end = node.end_mark
    if end.column == 0 and end.index > node.start_mark.index:  # block collections and scalars end at a line start
        return Edit(end.index, end.index, "".join(line + newline(text) for line in lines))
    found = _BREAK.search(text, end.index)
    rest = text[end.index : found.start() if found else len(text)].strip()
    if rest and not rest.startswith("#"):
        return None
    if found is None:
        return Edit(len(text), len(text), "".join(newline(text) + line for line in lines))
    return Edit(found.end(), found.end(), "".join(line + found.group() for line in lines))


def insert_entry(text: str, mapping: Any, anchor: tuple[Any, Any], key: str, value: str) -> Edit | None:
    """`key: value` as a new entry of `mapping`, right after the entry `anchor` (key node, value node)."""
    anchor_key, anchor_value = anchor
    if mapping.flow_style:
        return Edit(anchor_value.end_mark.index, anchor_value.end_mark.index, f", {key}: {value}")
    return line_after(text, anchor_value, [" " * anchor_key.start_mark.column + f"{key}: {value}"])


def append_items(text: str, sequence: Any, items: Sequence[str]) -> Edit | None:
    """`items` as new last items of `sequence`: `[a, x, y]`, or `- x` lines indented like the last one.

    The text is what appending them one at a time would give.
    """
    if sequence.flow_style:
        if not sequence.value:
            close = sequence.end_mark.index - 1
            return Edit(close, close, ", ".join(items)) if text[close] == "]" else None
        end = sequence.value[-1].end_mark.index
        return Edit(end, end, "".join(f", {item}" for item in items))
    last = sequence.value[-1]
    line_start = max(text.rfind("\n", 0, last.start_mark.index), text.rfind("\r", 0, last.start_mark.index)) + 1
    prefix = text[line_start : last.start_mark.index]
    return line_after(text, last, [prefix + item for item in items]) if _ITEM_PREFIX.fullmatch(prefix) else None


def apply(text: str, edits: Iterable[Edit]) -> str:
    """`text` with `edits` (which do not overlap) made, the last first so that indexes stay right."""
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        text = text[: edit.start] + edit.text + text[edit.end :]
    return text
