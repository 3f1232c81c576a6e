"""Project settings from `.rallyc.toml` or `[tool.rallyc]` in `pyproject.toml`, the closest one winning."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from rallyc.errors import RallyError
from rallyc.load import MAX_FILE_BYTES
from rallyc.source import Span


@dataclass(frozen=True, slots=True)
class Settings:
    select: tuple[str, ...] = ()
    """Code prefixes to report (empty: all); a selected info rule is shown."""
    ignore: tuple[str, ...] = ()
    strict: bool = False
    show_info: bool = False
    repo: bool = True
    learned: bool = True
    """Estimate with the team's learned values (`.agents/rally-learned.json`); false: the spec's own figures."""
    max_file_bytes: int = MAX_FILE_BYTES
    source: str | None = None
    """The config file these came from, for messages."""

    def selects(self, code: str) -> bool:
        if any(code.startswith(prefix) for prefix in self.ignore):
            return False
        return not self.select or any(code.startswith(prefix) for prefix in self.select)

    def shows_info(self, code: str) -> bool:
        return self.show_info or any(code.startswith(prefix) for prefix in self.select)


_KEYS = {
    "select": "codes",
    "ignore": "codes",
    "strict": "bool",
    "show-info": "bool",
    "repo": "bool",
    "learned": "bool",
    "max-file-size": "int",
}


def settings_for(spec_file: Path) -> Settings:
    """The settings of the closest config file above `spec_file`, or the defaults."""
    return _settings_in(spec_file.resolve().parent)


@cache
def _settings_in(directory: Path) -> Settings:
    for candidate in (directory / ".rallyc.toml", directory / "pyproject.toml"):
        table = _table(candidate)
        if table is not None:
            return _parse(table, candidate)
    if directory.parent == directory:
        return Settings()
    return _settings_in(directory.parent)


def _table(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    text = path.read_text(encoding="utf-8")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RallyError(f"{path}: invalid TOML: {error}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("rallyc")
        return table if isinstance(table, dict) else None
    return data


def _parse(table: dict[str, Any], path: Path) -> Settings:
    values: dict[str, Any] = {"source": str(path)}
    for key, value in table.items():
        kind = _KEYS.get(key)
        if kind is None or not _fits(kind, value):
            raise RallyError(_problem(key, kind), _key_span(path, key))
        if kind == "codes":
            _known_codes(value, key, path)
        values[key.replace("-", "_").replace("max_file_size", "max_file_bytes")] = (
            tuple(code.upper() for code in value) if kind == "codes" else value
        )
    return replace(Settings(), **values)


def _known_codes(codes: list[str], key: str, path: Path) -> None:
    from rallyc.rules import unknown_selector

    for code in codes:
        problem = unknown_selector(code)
        if problem:
            raise RallyError(f"rallyc setting `{key}`: {problem}", _key_span(path, key))


def _fits(kind: str, value: Any) -> bool:
    if kind == "codes":
        return isinstance(value, list) and all(isinstance(code, str) and re.fullmatch(r"RY\d{0,3}", code.upper()) for code in value)
    if kind == "bool":
        return isinstance(value, bool)
    return isinstance(value, int) and not isinstance(value, bool) and value > 0


def _problem(key: str, kind: str | None) -> str:
    if kind is None:
        return f"unknown rallyc setting `{key}` (known: {', '.join(_KEYS)})"
    wanted = {"codes": "a list of rule codes or prefixes like RY1", "bool": "true or false", "int": "a positive integer"}
    return f"rallyc setting `{key}` must be {wanted[kind]}"


def _key_span(path: Path, key: str) -> Span:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        match = re.match(rf"\s*\"?{re.escape(key)}\"?\s*=", line)
        if match:
            return Span.point(str(path), number, line.index(key[0]) + 1)
    return Span.point(str(path))
