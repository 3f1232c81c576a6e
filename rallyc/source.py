"""Where things are in a spec file: spans and YAML paths."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias

YamlPath: TypeAlias = tuple[str | int, ...]
"""Keys and item indexes from the document root to a node."""


@dataclass(frozen=True, slots=True, order=True)
class Span:
    """A region of a file; lines and columns are 1-based, the end exclusive."""

    file: str
    line: int
    column: int
    end_line: int
    end_column: int

    @classmethod
    def point(cls, file: str, line: int = 1, column: int = 1) -> Span:
        return cls(file, line, column, line, column + 1)

    def shifted(self, columns: int, width: int) -> Span:
        """A span `width` characters wide, `columns` to the right of this one's start."""
        start = self.column + columns
        return Span(self.file, self.line, start, self.line, start + max(width, 1))


def format_path(path: YamlPath) -> str:
    """`teammates[0].tasks[1].writes` style, for messages."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "the document"
