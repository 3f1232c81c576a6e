"""Replace one value of a JSON document in its text, leaving every other character as it was.

The schemas are written by hand, each in its own layout; `make schemas` owns a
few of their values (enums, defaults, the texts that list them). Rewriting
only those keeps the rest of each file byte for byte, layout included, so a
generated change is all its diff shows.
"""

from __future__ import annotations

import json
import re
from typing import Any

_BLANK = re.compile(r"\s*")
_DECODER = json.JSONDecoder()


def replaced(text: str, pointer: str, value: Any, *, expanded: bool) -> str:
    """`text` with the value at `pointer` (`/properties/team/enum`; an array index is a number) replaced by
    `value`: indented two spaces a level when `expanded` (as `json.dumps(indent=2)` writes), else on one line.
    KeyError when the document has no value there."""
    start, end = span(text, pointer)
    if expanded:
        line = text[text.rfind("\n", 0, start) + 1 : start]
        shown = json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n" + " " * _indent(line))
    else:
        shown = json.dumps(value, ensure_ascii=False)
    return text[:start] + shown + text[end:]


def span(text: str, pointer: str) -> tuple[int, int]:
    """Where the value at `pointer` starts and ends in `text`."""
    start = _skip_blanks(text, 0)
    for step in pointer.split("/")[1:]:
        start = _member(text, start, step)
    return start, _DECODER.raw_decode(text, start)[1]


def _member(text: str, at: int, step: str) -> int:
    """Where the value of key (or index) `step` starts, in the object (or array) that starts at `at`."""
    position, index = _skip_blanks(text, at + 1), 0
    while text[position] not in "}]":
        if text[at] == "{":
            key, position = _DECODER.raw_decode(text, position)
            position = _skip_blanks(text, _skip_blanks(text, position) + 1)  # past the colon
        else:
            key, index = str(index), index + 1
        if key == step:
            return position
        position = _skip_blanks(text, _DECODER.raw_decode(text, position)[1])
        position = _skip_blanks(text, position + 1) if text[position] == "," else position
    raise KeyError(f"no {step!r} in the value at offset {at}")


def _skip_blanks(text: str, position: int) -> int:
    return _BLANK.match(text, position).end()  # type: ignore[union-attr]  # matches everywhere


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))
