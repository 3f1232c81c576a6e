"""The anthropic backend's tools, confined to one worktree: list, read and write files, run a command.

Every path is repository-relative and is refused when it is absolute, climbs out with `..`, names
`.git`, or resolves (through a symlink) outside the worktree. A write outside the teammate's
`owns` is refused at once, back to the model, before anything touches the disk: the model can
correct itself in the same task instead of failing the runner's ownership check at the end.

`run_command` cannot be confined the same way (it is a shell); it runs in the worktree without
the backend's secrets, in the task's sandbox when there is one, with a time limit and an output cap,
under the runner's process supervisor (nothing it starts outlives it), and whatever it changes outside
`owns` is still caught by the runner's check after the task.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from rallyc.globparse import parse_glob_list
from rallyc.globs import GlobSet
from rallyc.render import globs
from rallyc.runner.backends._process import clip, without_secrets
from rallyc.runner.process import run
from rallyc.runner.secrets import Redactor

if TYPE_CHECKING:
    from rallyc.runner.sandbox import Sandbox

LIST_CAP = 2000
"""Entries `list_files` returns: a node_modules folder must not fill the model's context."""
READ_CAP = 256 * 1024
WRITE_CAP = 8 << 20
COMMAND_OUTPUT_CAP = 20_000
"""Characters of a command's output the model sees (its head and tail)."""


class ToolError(Exception):
    """A refusal or failure told back to the model as an `is_error` tool result, never raised further."""


class Workspace:
    def __init__(self, root: Path, owns: Sequence[str], env: Mapping[str, str], command_timeout: float,
                 sandbox: Sandbox | None = None) -> None:  # fmt: skip
        self.root = root.resolve()
        self.sandbox = sandbox
        self.owns = tuple(owns)
        self.owned = GlobSet(parse_glob_list(owns))  # PatternError: the caller reports it
        self.env = without_secrets(env)
        self.command_timeout = command_timeout

    # ---- paths -------------------------------------------------------------------------

    def locate(self, raw: object, *, root_ok: bool = False) -> tuple[str, Path]:
        """The normalised relative path and the absolute one, or ToolError saying why not."""
        if not isinstance(raw, str):
            raise ToolError("`path` must be a string")
        if "\0" in raw or "\\" in raw:
            raise ToolError(f"{raw!r}: write paths with `/` between segments and no NUL bytes")
        pure = PurePosixPath(raw)
        if pure.is_absolute():
            raise ToolError(f"{raw}: absolute paths are refused; give a path relative to the repository root")
        parts = [part for part in pure.parts if part != "."]
        if ".." in parts:
            raise ToolError(f"{raw}: `..` is refused; give a path relative to the repository root")
        if any(part.casefold() == ".git" for part in parts):
            raise ToolError(f"{raw}: `.git` is off limits")
        if not parts and not root_ok:
            raise ToolError("`path` must name a file")
        relative = "/".join(parts)
        absolute = self.root.joinpath(*parts)
        resolved = absolute.resolve()
        if resolved != self.root and self.root not in resolved.parents:
            raise ToolError(f"{raw}: refused, it leads outside the repository (through a symlink)")
        inside = resolved.relative_to(self.root).parts
        if any(part.casefold() == ".git" for part in inside):
            raise ToolError(f"{raw}: refused, it leads into `.git` (through a symlink)")
        return relative, absolute

    def check_owned(self, relative: str, absolute: Path) -> None:
        """Both the path as asked and where it really lands must be owned (a symlink could
        otherwise carry an owned name onto a file that is not)."""
        landed = absolute.resolve().relative_to(self.root).as_posix()
        for path in dict.fromkeys((relative, landed)):
            if not self.owned.matches(path):
                owns = globs(self.owns, str) or "nothing"
                raise ToolError(
                    f"refused: {path} is outside what this teammate owns ({owns}); nothing was written. "
                    "Write only files that match those globs."
                )

    # ---- tools -------------------------------------------------------------------------

    def list_files(self, path: object = ".") -> str:
        relative, absolute = self.locate("." if path in (None, "") else path, root_ok=True)
        if not absolute.is_dir():
            raise ToolError(f"{relative or '.'}: not a directory")
        found: list[str] = []
        total = 0
        # os.walk never follows directory symlinks by default: a link out of the worktree is listed, not entered.
        for folder, dirs, files in os.walk(absolute):
            dirs[:] = sorted(d for d in dirs if d.casefold() != ".git")
            here = Path(folder).relative_to(self.root)
            for name in sorted(files):
                if name.casefold() == ".git":  # a worktree's `.git` is a file
                    continue
                total += 1
                if len(found) < LIST_CAP:
                    found.append((here / name).as_posix())
        if not found:
            return f"{relative or '.'}: no files"
        more = f"\n[... and {total - len(found)} more]" if total > len(found) else ""
        return "\n".join(found) + more

    def read_file(self, path: object) -> str:
        relative, absolute = self.locate(path)
        if not absolute.is_file():
            raise ToolError(f"{relative}: no such file")
        with absolute.open("rb") as handle:
            data = handle.read(READ_CAP + 1)
        if b"\0" in data:
            raise ToolError(f"{relative}: a binary file ({absolute.stat().st_size} bytes)")
        text = data[:READ_CAP].decode("utf-8", "replace")
        if len(data) > READ_CAP:
            text += f"\n[... cut at {READ_CAP} bytes of {absolute.stat().st_size}]"
        return text

    def write_file(self, path: object, content: object) -> str:
        relative, absolute = self.locate(path)
        if not isinstance(content, str):
            raise ToolError("`content` must be a string")
        self.check_owned(relative, absolute)
        if absolute.is_symlink():
            raise ToolError(f"{relative}: a symlink; write the file it points to instead")
        if absolute.is_dir():
            raise ToolError(f"{relative}: a directory")
        data = content.encode("utf-8")
        if len(data) > WRITE_CAP:
            raise ToolError(f"{relative}: {len(data)} bytes is more than the {WRITE_CAP} a write may hold")
        try:
            absolute.parent.mkdir(parents=True, exist_ok=True)
            absolute.write_bytes(data)
        except OSError as error:
            raise ToolError(f"{relative}: {error.strerror or error}") from error
        return f"wrote {relative} ({len(data)} bytes)"

    async def run_command(self, command: object) -> str:
        if not isinstance(command, str) or not command.strip():
            raise ToolError("`command` must be a non-empty string")
        finished = await run(["/bin/sh", "-c", command], cwd=self.root, env=self.env, timeout=self.command_timeout,
                             cap=COMMAND_OUTPUT_CAP, redactor=Redactor(self.env), sandbox=self.sandbox)  # fmt: skip
        if finished.timed_out:
            raise ToolError(
                f"`{clip(command, 80)}` was killed after {self.command_timeout:g}s (the limit for one command)"
            )
        return f"exit code {finished.exit_code}\n--- stdout ---\n{finished.stdout}\n--- stderr ---\n{finished.stderr}"
