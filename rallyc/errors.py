"""Errors a user can fix: each has a message, a location when there is one, and a hint."""

from __future__ import annotations

from rallyc.source import Span


class RallyError(Exception):
    """A problem with the user's input or set-up, reported in one line, never as a traceback."""

    def __init__(self, message: str, span: Span | None = None, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.span = span
        self.hint = hint

    def __str__(self) -> str:
        where = f"{self.span.file}:{self.span.line}:{self.span.column}: " if self.span else ""
        hint = f" ({self.hint})" if self.hint else ""
        return f"{where}{self.message}{hint}"
