"""What the JSON Schema cannot state about a spec's strings: the operating system must be able to take them.

Text in a spec ends up in file names (`team.repo`), command lines (`verify`,
`run.shell`), git arguments (`team.base`) and the arguments of the agents that
run a task (every prompt). A NUL character reaches none of these, and a
repository path (or a folder the sandbox lets tasks write) must be one the file
system can look up. Both are RY002 at the
value, found here and reported with the schema's findings.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from rallyc.diagnostics import Finding
from rallyc.load import Document
from rallyc.source import YamlPath, format_path

PATH_MAX = 4095
"""Bytes in a path Linux looks up (PATH_MAX less the final NUL); other systems allow less, never more."""
NAME_MAX = 255
"""Bytes in one file or folder name."""
_NUL_ESCAPES = ("\\0", "\\x00", "\\u0000", "\\U00000000")
"""How a NUL gets into a value: YAML's reader refuses the byte itself, so only a double-quoted escape brings one."""


def os_findings(document: Document) -> Iterator[Finding]:
    """RY002 findings for strings no file name, command or argument can hold, and a `team.repo` that is no path."""
    if any(escape in document.text for escape in _NUL_ESCAPES):
        yield from _nul_findings(document, document.data, ())
    for where, path in _paths(document.data):
        problem = path_problem(path) if "\0" not in path else None
        if problem:
            yield Finding(document.span(where), f"{format_path(where)} cannot be a path: {problem}")


def _paths(data: Any) -> Iterator[tuple[YamlPath, str]]:
    """The values that name places on disk: `team.repo` and each `run.sandbox_writable` folder."""
    team = data.get("team") if isinstance(data, dict) else None
    if isinstance(team, dict) and isinstance(team.get("repo"), str):
        yield ("team", "repo"), team["repo"]
    run = data.get("run") if isinstance(data, dict) else None
    writable = run.get("sandbox_writable") if isinstance(run, dict) else None
    for index, item in enumerate(writable if isinstance(writable, list) else []):
        if isinstance(item, str):
            yield ("run", "sandbox_writable", index), item


def path_problem(path: str) -> str | None:
    """Why `path` is no path the file system can look up, or None."""
    encoded = path.encode("utf-8", "surrogateescape")
    if not encoded:
        return "it is empty (write `.` for the spec's own folder)"
    if len(encoded) > PATH_MAX:
        return f"{len(encoded):,} bytes, more than the {PATH_MAX:,} a path may have"
    longest = max(encoded.split(b"/"), key=len)
    if len(longest) > NAME_MAX:
        return f"a name of {len(longest):,} bytes, more than the {NAME_MAX} a file or folder name may have"
    return None


def _nul_findings(document: Document, value: Any, path: YamlPath) -> Iterator[Finding]:
    if isinstance(value, dict):
        for key, item in value.items():
            if not str(key).startswith("x-"):  # the user's own keys never reach rallyc's tools
                yield from _nul_findings(document, item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_findings(document, item, (*path, index))
    elif isinstance(value, str) and "\0" in value:
        yield Finding(document.span(path), f"{format_path(path)}: a NUL character (\\0) cannot reach a file name, "
                      "a command or a program's arguments", "remove it")  # fmt: skip
